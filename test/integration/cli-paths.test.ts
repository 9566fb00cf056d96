import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dialsBin, runDials, runEtcdctl, runJson, watchUntil } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);
const etcdctl = (...args: string[]) => runEtcdctl(endpoint, ...args);
const keysUnder = async (p: string) => (await etcdctl('get', p, '--prefix', '--keys-only')).split('\n').filter(Boolean);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-paths-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `x`, `x/a` and a sibling that shares the letters, `xyz/a`. */
async function seed(): Promise<string> {
  const p = uniquePrefix('cli-path');
  await etcdctl('put', `${p}x`, '1');
  await etcdctl('put', `${p}x/a`, '2');
  await etcdctl('put', `${p}xyz/a`, '3');
  return p;
}

describe('a prefix is a path: /p/x is x and what lies under x/, never xyz', () => {
  it('ls', async () => {
    const p = await seed();
    expect((await json('ls', `${p}x`)).data.keys.map((k: { key: string }) => k.key)).toEqual([`${p}x`, `${p}x/a`]);
    expect((await dials('ls', `${p}x`)).stdout).toBe('x = 1\nx/\n  a = 2\n');
  });

  it('rm -r', async () => {
    const p = await seed();
    expect((await dials('rm', '-r', `${p}x`)).code).toBe(0);
    expect(await keysUnder(p)).toEqual([`${p}xyz/a`]);
  });

  it('watch', async () => {
    const p = await seed();
    let n = 0;
    const { out, code } = await watchUntil(
      endpoint,
      [`${p}x`],
      (o) => o.includes(`${p}x/b`),
      async () => {
        await etcdctl('put', `${p}xyz/b`, String(n++));
        await etcdctl('put', `${p}x/b`, String(n++));
      },
    );
    expect(code).toBe(0);
    expect(out).not.toContain(`${p}xyz/`);
  });

  it('export, diff, sync, import --prefix, flags --prefix', async () => {
    const p = await seed();
    expect(JSON.parse((await dials('export', `${p}x`)).stdout)).toEqual({ a: 2 });
    await etcdctl('put', `${p}y/a`, '2');
    expect((await json('diff', `${p}x`, `${p}y`)).data).toEqual({ onlyA: [], onlyB: [], differ: [], same: 1 });
    expect((await dials('sync', `${p}y`, `${p}x`, '--delete', '--apply')).code).toBe(0);
    const file = join(dir, 'one.json');
    writeFileSync(file, '{"a": 2}');
    expect((await dials('import', file, '--prefix', `${p}x`, '--delete', '--apply')).code).toBe(0);
    expect(await keysUnder(p)).toEqual([`${p}x`, `${p}x/a`, `${p}xyz/a`, `${p}y/a`]);
    await etcdctl('put', `${p}flagsxyz/beta`, JSON.stringify({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }));
    expect((await json('flags', 'ls', '--prefix', `${p}flags`)).data.flags).toEqual([]);
  });
});

describe('rm -r of more than a handful of keys asks first', () => {
  async function many(): Promise<string> {
    const p = uniquePrefix('cli-many');
    for (let i = 0; i < 12; i++) await etcdctl('put', `${p}k${i}`, String(i));
    return p;
  }

  it('not on a terminal: refuses without --yes (exit 2, nothing deleted), deletes with it', async () => {
    const p = await many();
    const refused = await dials('rm', '-r', p);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('12 keys');
    expect(refused.stderr).toContain('--yes');
    expect(await keysUnder(p)).toHaveLength(12);
    expect((await dials('rm', '-r', p, '--yes')).code).toBe(0);
    expect(await keysUnder(p)).toEqual([]);
  });

  it('on a terminal: previews the keys and deletes only after a yes', async () => {
    const { spawnSync } = await import('node:child_process');
    const p = await many();
    const onTerminal = (answer: string) =>
      spawnSync('script', ['-qec', `${process.execPath} ${dialsBin} rm -r ${p}`, '/dev/null'], {
        input: answer,
        encoding: 'utf8',
        env: { ...process.env, ETCD_ENDPOINTS: endpoint, NO_COLOR: '1' },
      });
    const no = onTerminal('n\n');
    expect(no.stdout).toContain(`${p}k0`);
    expect(no.stdout).toContain('Delete these 12 keys? [y/N]');
    expect(await keysUnder(p)).toHaveLength(12);
    const yes = onTerminal('y\n');
    expect(yes.stdout).toContain('✓ release');
    expect(await keysUnder(p)).toEqual([]);
  });
});

describe('export carries real values; import refuses the redaction placeholder', () => {
  it('export refuses secrets without --show-secrets, naming them; with it, writes the real value', async () => {
    const p = uniquePrefix('cli-secret');
    await etcdctl('put', `${p}db/password`, '"hunter2"');
    await etcdctl('put', `${p}db/host`, '"db"');
    const refused = await dials('export', p);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`${p}db/password`);
    expect(refused.stderr).toContain('--show-secrets');
    expect(JSON.parse((await dials('export', p, '--show-secrets')).stdout)).toEqual({ db: { password: 'hunter2', host: 'db' } });
  });

  it('import of a redacted file is refused (exit 1), naming the key; nothing is written', async () => {
    const p = uniquePrefix('cli-secret');
    for (const [name, text] of [
      ['redacted.json', '{"db": {"password": "<redacted>", "host": "db"}}'],
      ['redacted.env', 'DB__PASSWORD=<redacted>\nDB__HOST=db\n'],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const refused = await dials('import', file, '--prefix', p, '--apply');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${p}db/password`);
      expect(refused.stderr).not.toContain('--help');
      expect(await keysUnder(p)).toEqual([]);
    }
  });
});

describe('a key apps leave out of config (a __proto__, constructor or prototype segment)', () => {
  it('set and import write it, and warn on stderr that apps leave it out of config', async () => {
    const p = uniquePrefix('cli-unsafe');
    const set = await dials('set', `${p}__proto__/polluted`, '1');
    expect(set.code).toBe(0);
    expect(set.stderr).toContain(`warning: ${p}__proto__/polluted: a __proto__, constructor or prototype segment`);
    expect((await etcdctl('get', `${p}__proto__/polluted`, '--print-value-only')).trim()).toBe('1');
    const file = join(dir, 'unsafe.json');
    writeFileSync(file, '{"constructor": {"prototype": {"x": 1}}, "safe": 2}');
    const imported = await dials('import', file, '--prefix', p, '--apply');
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain(`${p}constructor/prototype/x: a __proto__`);
    expect(imported.stderr).not.toContain(`${p}safe`);
    // An ordinary key says nothing.
    expect((await dials('set', `${p}plain`, '1')).stderr).toBe('');
  });
});
