import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { findEtcdctl } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const bin = fileURLToPath(new URL('../../packages/cli/bin/dials.js', import.meta.url));
const etcdctlBin = findEtcdctl();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built `dials` binary as a user would. */
function dials(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ETCD_ENDPOINTS: endpoint, DIALS_AUTHOR: 'tester', NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
const json = async (...args: string[]) => {
  const run = await dials(...args, '--json');
  return { ...run, data: JSON.parse(run.stdout.trim().split('\n').pop() ?? 'null') };
};

function etcdctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(etcdctlBin, ['--endpoints', endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' } }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve(stdout),
    );
  });
}

describe('dials get/set/ls/rm, interoperating with etcdctl', () => {
  it('writes what etcdctl reads, and reads what etcdctl writes', async () => {
    const p = uniquePrefix('cli');
    expect((await dials('set', `${p}database/port`, '5432', '-m', 'port')).code).toBe(0);
    expect(await etcdctl('get', `${p}database/port`, '--print-value-only')).toBe('5432\n');
    expect((await dials('set', `${p}database/host`, 'db.internal', '--string')).code).toBe(0);
    expect(await etcdctl('get', `${p}database/host`, '--print-value-only')).toBe('db.internal\n');
    await etcdctl('put', `${p}logging/level`, 'debug');
    const got = await json('get', `${p}logging/level`);
    expect(got.data).toMatchObject({ key: `${p}logging/level`, value: 'debug', decoded: 'debug' });
    expect((await dials('get', `${p}logging/level`)).stdout).toBe('debug\n');
    const ls = await dials('ls', p);
    expect(ls.stdout).toContain('database/');
    expect(ls.stdout).toContain('  port = 5432');
    expect((await json('ls', p)).data.keys.map((k: { key: string }) => k.key)).toEqual([
      `${p}database/host`,
      `${p}database/port`,
      `${p}logging/level`,
    ]);
    expect((await dials('rm', `${p}logging/level`)).code).toBe(0);
    expect(await etcdctl('get', `${p}logging/level`)).toBe('');
    expect((await dials('rm', '-r', p)).code).toBe(0);
    expect(await etcdctl('get', p, '--prefix', '--keys-only')).toBe('');
    expect((await dials('get', `${p}nothing`)).code).toBe(1);
  });

  it('refuses a non-JSON value without --string (exit 2), and --ttl makes a key temporary', async () => {
    const p = uniquePrefix('cli');
    const bad = await dials('set', `${p}x`, 'not json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--string');
    expect((await dials('set', `${p}level`, '"debug"', '--ttl', '1s')).code).toBe(0);
    expect(await etcdctl('get', `${p}level`, '--print-value-only')).toBe('"debug"\n');
    await vi.waitFor(async () => expect(await etcdctl('get', `${p}level`)).toBe(''), { timeout: 10_000, interval: 200 });
  });

  it('exits 2 on usage errors and 4 when etcd is unreachable', async () => {
    expect((await dials('frobnicate')).code).toBe(2);
    expect((await dials('get')).code).toBe(2);
    const down = await dials('get', '/x', '--endpoints', '127.0.0.1:1', '--timeout', '300', '--json');
    expect(down.code).toBe(4);
    expect(JSON.parse(down.stdout).error.code).toBe('UNAVAILABLE');
    expect((await dials('--help')).stdout).toContain('Exit codes');
    expect((await dials('set', '--help')).stdout).toContain('Examples:');
  });
});

describe('dials import/export/diff/sync/history/rollback', () => {
  it('imports YAML with a dry run first, exports it back, and imports .env', async () => {
    const p = uniquePrefix('cli');
    const yaml = join(dir, 'config.yaml');
    writeFileSync(yaml, 'database:\n  host: localhost\n  port: 5432\nfeatures: [a, b]\n');
    const dry = await dials('import', yaml, '--prefix', p);
    expect(dry.stdout).toContain(`+ ${p}database/host = "localhost"`);
    expect(dry.stdout).toContain('dry run');
    expect(await etcdctl('get', p, '--prefix', '--keys-only')).toBe('');
    expect((await dials('import', yaml, '--prefix', p, '--apply', '-m', 'initial')).code).toBe(0);
    expect(await etcdctl('get', `${p}database/port`, '--print-value-only')).toBe('5432\n');
    const exported = await dials('export', p, '--format', 'yaml');
    expect(exported.stdout).toBe('database:\n  host: localhost\n  port: 5432\nfeatures:\n  - a\n  - b\n');
    const env = join(dir, 'app.env');
    writeFileSync(env, '# comment\nDATABASE__HOST=db.env\nLOG_LEVEL="warn"\n');
    expect((await dials('import', env, '--prefix', p, '--apply')).code).toBe(0);
    expect(await etcdctl('get', `${p}database/host`, '--print-value-only')).toBe('"db.env"\n');
    expect(await etcdctl('get', `${p}log_level`, '--print-value-only')).toBe('"warn"\n');
  });

  it('imports 300 keys in batched transactions', async () => {
    const p = uniquePrefix('cli');
    const file = join(dir, 'big.json');
    writeFileSync(file, JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]))));
    const result = await json('import', file, '--prefix', p, '--apply');
    expect(result.data.release.changes).toHaveLength(300);
    expect((await etcdctl('get', p, '--prefix', '--keys-only')).split('\n').filter(Boolean)).toHaveLength(300);
  });

  it('diffs and syncs environments, records releases and rolls one back', async () => {
    const base = uniquePrefix('cli');
    const staging = `${base}staging/`;
    const production = `${base}production/`;
    await etcdctl('put', `${staging}a`, '1');
    await etcdctl('put', `${staging}b`, '2');
    await etcdctl('put', `${production}b`, '3');
    await etcdctl('put', `${production}c`, '4');
    const diff = (await json('diff', staging, production)).data;
    expect(diff).toEqual({ onlyA: ['a'], onlyB: ['c'], differ: [{ path: 'b', a: '2', b: '3' }], same: 0 });
    const dry = await dials('sync', staging, production, '--delete');
    expect(dry.stdout).toContain(`- ${production}c`);
    expect(await etcdctl('get', `${production}c`, '--print-value-only')).toBe('4\n');
    const synced = await json('sync', staging, production, '--delete', '--apply', '-m', 'promote');
    expect(synced.code).toBe(0);
    expect((await json('diff', staging, production)).data.same).toBe(2);
    const namespace = synced.data.release.namespace;
    const history = (await json('history', '--namespace', namespace)).data.releases;
    expect(history[0]).toMatchObject({ message: 'promote', author: 'tester' });
    // Off a terminal, rollback shows what it would write and writes nothing without --yes.
    const asked = await dials('rollback', history[0].id, '--namespace', namespace);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain(`${production}a → (deleted)`);
    expect(asked.stderr).toContain('pass --yes');
    expect(await etcdctl('get', `${production}a`, '--print-value-only')).not.toBe('');
    expect((await dials('rollback', history[0].id, '--namespace', namespace, '--yes')).code).toBe(0);
    expect(await etcdctl('get', `${production}c`, '--print-value-only')).toBe('4\n');
    expect(await etcdctl('get', `${production}a`)).toBe('');
    expect((await dials('history', '--namespace', namespace)).stdout).toContain('rolls back');
  });
});

/** The keys under `prefix` (relative) and their values decoded: JSON when it parses, else the text. */
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

describe('dials flags', () => {
  it('lists, enables, disables, sets the default variant, and evaluates', async () => {
    const p = uniquePrefix('cli-flags');
    const file = join(dir, 'flags.flagd.json');
    writeFileSync(
      file,
      JSON.stringify({
        flags: {
          'new-checkout': {
            state: 'DISABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on'] },
          },
          theme: { state: 'ENABLED', variants: { light: 'light', dark: 'dark' }, defaultVariant: 'light' },
        },
      }),
    );
    expect((await dials('import', file, '--prefix', p, '--apply')).code).toBe(0);
    expect((await json('flags', 'ls', '--prefix', p)).data.flags.map((f: { key: string; state: string }) => `${f.key}:${f.state}`)).toEqual(
      ['new-checkout:DISABLED', 'theme:ENABLED'],
    );
    expect((await json('flags', 'eval', 'new-checkout', '--prefix', p, '--context', '{"targetingKey":"vip"}')).data).toMatchObject({
      reason: 'DISABLED',
    });
    expect((await dials('flags', 'enable', 'new-checkout', '--prefix', p)).code).toBe(0);
    expect((await json('flags', 'eval', 'new-checkout', '--prefix', p, '--context', '{"targetingKey":"vip"}')).data).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    expect((await dials('flags', 'set', 'theme', '--variant', 'dark', '--prefix', p)).code).toBe(0);
    expect(JSON.parse(await etcdctl('get', `${p}theme`, '--print-value-only')).defaultVariant).toBe('dark');
    const badVariant = await dials('flags', 'set', 'theme', '--variant', 'purple', '--prefix', p);
    expect(badVariant.code).toBe(1);
    expect(badVariant.stderr).toContain('purple');
    expect((await dials('flags', 'disable', 'new-checkout', '--prefix', p)).code).toBe(0);
    expect(JSON.parse(await etcdctl('get', `${p}new-checkout`, '--print-value-only')).state).toBe('DISABLED');
  });
});

describe('dials watch, lock, services, status', () => {
  it('watch streams changes until interrupted', async () => {
    const p = uniquePrefix('cli');
    const child = spawn(process.execPath, [bin, 'watch', p, '--json'], { env: { ...process.env, ETCD_ENDPOINTS: endpoint } });
    let out = '';
    const first = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"type":"put"')) resolve();
      }),
    );
    // The watch reports its status once it is live; write after that.
    await new Promise<void>((resolve) => {
      const check = setInterval(async () => {
        await etcdctl('put', `${p}k`, '"v"');
        if (out.includes('"type":"put"')) {
          clearInterval(check);
          resolve();
        }
      }, 100);
    });
    await first;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(JSON.parse(out.split('\n').find((l) => l.includes('"type":"put"')) as string)).toMatchObject({
      type: 'put',
      key: `${p}k`,
      value: '"v"',
    });
  });

  it('lock runs commands one at a time and passes their exit code through', async () => {
    const log = join(dir, 'lock.log');
    writeFileSync(log, '');
    const step = `echo in >> ${log}; sleep 0.3; echo out >> ${log}`;
    const [a, b] = await Promise.all([
      dials('lock', 'cli-test', '--', 'sh', '-c', step),
      dials('lock', 'cli-test', '--', 'sh', '-c', step),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(log, 'utf8')).toBe('in\nout\nin\nout\n');
    expect((await dials('lock', 'cli-test', '--', 'sh', '-c', 'exit 7')).code).toBe(7);
  });

  it('services ls lists registered instances; status reports the cluster', async () => {
    const name = `svc-${Date.now()}`;
    await etcdctl('put', `/services/${name}/i1`, JSON.stringify({ host: '10.0.0.1', port: 8080, registeredAt: '2026-01-01T00:00:00Z' }));
    const services = await json('services', 'ls', name);
    expect(services.data.instances).toEqual([
      { service: name, id: 'i1', host: '10.0.0.1', port: 8080, registeredAt: '2026-01-01T00:00:00Z' },
    ]);
    expect((await dials('services', 'ls', name)).stdout).toContain('10.0.0.1:8080');
    await etcdctl('del', `/services/${name}/`, '--prefix');
    const status = await json('status');
    expect(status.code).toBe(0);
    expect(status.data.members[0]).toMatchObject({ healthy: true, isLeader: true });
    expect((await dials('status')).stdout).toContain('leader');
  });
});
