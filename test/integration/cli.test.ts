import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { dialsBin, runDials, runEtcdctl, runJson } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);
const etcdctl = (...args: string[]) => runEtcdctl(endpoint, ...args);

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

  it('get of a missing key exits 1; with --json that is a result saying found: false', async () => {
    const key = `${uniquePrefix('cli-missing')}nope`;
    expect((await dials('get', key)).code).toBe(1);
    const run = await json('get', key);
    expect(run.code).toBe(1);
    expect(run.data).toEqual({ key, found: false });
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
    const child = spawn(process.execPath, [dialsBin, 'watch', p, '--json'], { env: { ...process.env, ETCD_ENDPOINTS: endpoint } });
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
