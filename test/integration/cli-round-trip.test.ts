import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDials } from '../helpers/cli.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// What `dials export` writes, `dials import` turns back into the same keys and values.
const endpoint = inject('etcdEndpoint');
const dials = (...args: string[]) => runDials(endpoint, args);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-round-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readBack(prefix: string): Promise<Map<string, unknown>> {
  const etcd = rawClient(endpoint);
  const all = await etcd.getAll().prefix(prefix).strings();
  etcd.close();
  const decode = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return new Map(Object.entries(all).map(([key, value]) => [key.slice(prefix.length), decode(value)]));
}

async function putAll(prefix: string, values: Record<string, string>): Promise<void> {
  const etcd = rawClient(endpoint);
  for (const [path, value] of Object.entries(values)) await etcd.put(prefix + path).value(value);
  etcd.close();
}

describe('dials export → import round trips', () => {
  it('.env: hostile values come back as the same keys and values', async () => {
    const source = uniquePrefix('cli-env');
    const target = uniquePrefix('cli-env');
    // Raw text as etcdctl would write it, and JSON as dials writes it.
    const values: Record<string, string> = {
      'text/spaces': 'two words',
      'text/hash': 'a # not a comment',
      'text/single': "it's",
      'text/double': 'say "hi"',
      'text/both': `both ' and "`,
      'text/backtick': 'back`tick',
      'text/newlines': 'line one\nline two\n',
      'text/literal': 'a literal \\n, not a newline',
      'text/unicode': 'ünïcödé ✓ 😀',
      'text/empty': '',
      'json/string': '"  padded, with # and \' and \\" "',
      'json/number': '5432',
      'json/boolean': 'true',
      'json/null': 'null',
      'json/object': '{"a":{"b":[1,"#",null]}}',
      'feature-x.v2/max_size': '10',
    };
    await putAll(source, values);
    const exported = await dials('export', source, '--format', 'env');
    expect(exported.code).toBe(0);
    const file = join(dir, 'round.env');
    writeFileSync(file, exported.stdout);
    expect((await dials('import', file, '--prefix', target, '--apply')).code).toBe(0);
    const [before, after] = await Promise.all([readBack(source), readBack(target)]);
    expect([...after.keys()].sort()).toEqual(Object.keys(values).sort());
    expect(after).toEqual(before);
    // A second export of the copy is the same file.
    expect((await dials('export', target, '--format', 'env')).stdout).toBe(exported.stdout);
  });

  it('json and yaml: keys come back whatever their names (__proto__, a and a/b, a//b, a trailing slash, non-ASCII)', async () => {
    const source = uniquePrefix('cli-tree');
    const values: Record<string, string> = {
      '__proto__/polluted': '"yes"',
      'constructor/prototype/x': '1',
      prototype: '[1,2]',
      a: '1',
      'a/b': '2',
      'x//y': '"empty segment"',
      'trailing/': '"slash"',
      'ünï/cödé ✓': '"non-ASCII"',
      'flags/new-checkout': 'true',
      'database/host': 'db',
    };
    await putAll(source, values);
    const before = await readBack(source);
    expect([...before.keys()].sort()).toEqual(Object.keys(values).sort());
    for (const format of ['json', 'yaml']) {
      const exported = await dials('export', source, '--format', format);
      expect(exported.code).toBe(0);
      expect(exported.stderr).toBe('');
      const file = join(dir, `round.${format}`);
      writeFileSync(file, exported.stdout);
      const target = uniquePrefix('cli-tree');
      expect((await dials('import', file, '--prefix', target, '--apply')).code).toBe(0);
      expect(await readBack(target)).toEqual(before);
    }
  });

  it('json: warns about values import would not give back as one key', async () => {
    const p = uniquePrefix('cli-tree');
    await putAll(p, { object: '{"a":1}', none: 'null', fine: '1' });
    const exported = await dials('export', p);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual({ object: { a: 1 }, none: null, fine: 1 });
    expect(exported.stderr).toContain('warning: import splits a JSON object');
    expect(exported.stderr).toContain('none, object');
  });

  it('.env: refuses, naming them, keys that would not come back', async () => {
    const p = uniquePrefix('cli-env');
    await putAll(p, { 'Upper/case': '1', 'fine/name': '2' });
    const refused = await dials('export', p, '--format', 'env');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Upper/case');
    expect(refused.stderr).not.toContain('fine/name');
    expect(refused.stderr).toContain('--format json or yaml');
    expect(refused.stdout).toBe('');
  });
});
