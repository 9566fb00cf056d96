import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDials, runEtcdctl, runJson } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);
const etcdctl = (...args: string[]) => runEtcdctl(endpoint, ...args);
const namespaceOf = (p: string) => p.replace(/^\/|\/$/g, '');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-releases-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diff --exit-code', () => {
  it('exits 1 when the prefixes differ, 0 when they are the same (0 either way without it)', async () => {
    const p = uniquePrefix('cli-diff');
    await etcdctl('put', `${p}a/k`, '1');
    await etcdctl('put', `${p}b/k`, '1');
    expect((await dials('diff', `${p}a/`, `${p}b/`, '--exit-code')).code).toBe(0);
    await etcdctl('put', `${p}b/k`, '2');
    expect((await dials('diff', `${p}a/`, `${p}b/`, '--exit-code')).code).toBe(1);
    expect((await dials('diff', `${p}a/`, `${p}b/`)).code).toBe(0);
  });
});

describe('a write that changes nothing records nothing and says so', () => {
  it('set, rm -r and import --apply', async () => {
    const p = uniquePrefix('cli-same');
    const namespace = namespaceOf(p);
    expect((await dials('set', `${p}k`, '1', '--namespace', namespace)).code).toBe(0);
    const again = await dials('set', `${p}k`, '1', '--namespace', namespace);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change');
    expect((await json('set', `${p}k`, '1', '--namespace', namespace)).data).toEqual({ release: null, changed: false });
    expect((await json('history', p)).data.releases).toHaveLength(1);
    const file = join(dir, 'same.json');
    writeFileSync(file, '{"k": 1}');
    const imported = await dials('import', file, '--prefix', p, '--apply');
    expect(imported.stdout).toContain('nothing to change');
    expect(imported.stdout).not.toContain('dry run');
    expect((await json('history', p)).data.releases).toHaveLength(1);
  });

  it("import's preview shows + new, ~ changed (old → new) and - removed", async () => {
    const p = uniquePrefix('cli-preview');
    await etcdctl('put', `${p}changed`, '1');
    await etcdctl('put', `${p}same`, '2');
    await etcdctl('put', `${p}gone`, '3');
    const file = join(dir, 'preview.json');
    writeFileSync(file, '{"changed": 10, "same": 2, "new": 4}');
    const preview = await dials('import', file, '--prefix', p, '--delete');
    expect(preview.stdout.split('\n')).toEqual([
      `~ ${p}changed: 1 → 10`,
      `+ ${p}new = 4`,
      `- ${p}gone = 3`,
      '2 to write, 1 to delete, 1 unchanged (dry run: add --apply to write)',
      '',
    ]);
    expect((await json('import', file, '--prefix', p)).data.put).toEqual([
      { key: `${p}changed`, value: '10', before: '1' },
      { key: `${p}new`, value: '4' },
    ]);
  });
});

describe('history', () => {
  it('takes a prefix as every other command does; without one, lists the namespaces that have releases', async () => {
    const p = uniquePrefix('cli-history');
    expect((await dials('set', `${p}config/k`, '1', '--namespace', namespaceOf(p))).code).toBe(0);
    const byPrefix = await json('history', p);
    expect(byPrefix.data.namespace).toBe(namespaceOf(p));
    expect(byPrefix.data.releases).toHaveLength(1);
    expect((await json('history', '--namespace', namespaceOf(p))).data.releases).toHaveLength(1);
    const all = await json('history');
    expect(all.code).toBe(0);
    expect(all.data.namespaces).toContainEqual(expect.objectContaining({ namespace: namespaceOf(p), releases: 1 }));
    expect((await dials('history')).stdout).toContain(namespaceOf(p));
  });

  it('lists the readable records and names each unreadable one on stderr; marks forced releases', async () => {
    const p = uniquePrefix('cli-history');
    const ns = namespaceOf(p);
    expect((await dials('set', `${p}config/k`, '1', '--namespace', ns)).code).toBe(0);
    await etcdctl('put', `/dials/releases/${ns}/00000000000000000001`, 'not json');
    const listed = await json('history', p);
    expect(listed.code).toBe(0);
    expect(listed.data.releases).toHaveLength(1);
    expect(listed.data.skipped).toEqual([{ key: `/dials/releases/${ns}/00000000000000000001`, reason: expect.any(String) }]);
    expect(listed.stderr).toContain(`skipped: /dials/releases/${ns}/00000000000000000001`);
    expect((await dials('history', p)).stderr).toContain('skipped:');

    // An app's registered schema refuses a value; --force writes it, and history marks it.
    const schema = {
      app: 'shop',
      namespace: ns,
      hash: 'h',
      updatedAt: new Date().toISOString(),
      paths: { 'config/k': { jsonSchema: { type: 'number', maximum: 10 }, required: false } },
    };
    await etcdctl('put', `/dials/schemas/${ns}/shop`, JSON.stringify(schema));
    const refused = await dials('set', `${p}config/k`, '99', '--namespace', ns);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused by shop');
    expect((await dials('set', `${p}config/k`, '99', '--namespace', ns, '--force')).stdout).toContain('forced past:');
    expect((await dials('history', p)).stdout).toMatch(/^\d+ .*\[forced\]/m);
  });
});

describe('import of a document that gives a key twice', () => {
  it.each([
    ['twice.json', '{"db": {"port": 1, "port": 2}}', 'db/port appears twice'],
    ['slash.json', '{"db/port": 1, "db": {"port": 2}}', 'db/port twice'],
    ['twice.yaml', 'db:\n  port: 1\n  port: 2\n', 'unique'],
  ])('%s is refused, naming the key, and nothing is written', async (name, text, message) => {
    const p = uniquePrefix('cli-twice');
    const file = join(dir, name);
    writeFileSync(file, text);
    const run = await dials('import', file, '--prefix', p, '--apply');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(await etcdctl('get', '--prefix', p)).toBe('');
  });
});
