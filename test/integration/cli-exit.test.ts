import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanEnv, dialsBin, type Run, runDials, runEtcdctl, watchUntil } from '../helpers/cli.js';
import { type EtcdServer, freePort, startAuthEtcd } from '../helpers/etcd.js';
import { interposingProxy } from '../helpers/http-proxy.js';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const dials = (...args: string[]) => runDials(endpoint, args);
const etcdctl = (...args: string[]) => runEtcdctl(endpoint, ...args);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-exit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const USAGE_HINT = "Run 'dials";

/** Holds lock `name` (its command waits for a line on stdin) until `release()`. */
async function holdLock(name: string): Promise<{ release(): Promise<void> }> {
  const child = spawn(process.execPath, [dialsBin, 'lock', name, '--', 'sh', '-c', 'echo held; read line'], {
    env: { ...process.env, ETCD_ENDPOINTS: endpoint },
  });
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
  return {
    release: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end('\n');
      }),
  };
}

describe('every failure exits with its documented code', () => {
  it('0 ok, 1 failed, 2 usage, 3 conflict, 4 unreachable', async () => {
    const p = uniquePrefix('cli-exit');
    await etcdctl('put', `${p}k`, '1');
    const badYaml = join(dir, 'bad.yaml');
    writeFileSync(badYaml, 'a: [unclosed\n');
    const lock = await holdLock(`exit-${p.split('/')[2]}`);
    const proxy = await interposingProxy(endpoint, '/v3/kv/txn', () => etcdctl('put', `${p}k`, '"someone else"'));
    const down = `127.0.0.1:${await freePort()}`;
    try {
      const table: [string, Promise<Run>, number][] = [
        ['get of a key that exists', dials('get', `${p}k`), 0],
        ['get of a key that does not', dials('get', `${p}none`), 1],
        ['import of a file that does not parse', dials('import', badYaml, '--prefix', p), 1],
        ['lock held elsewhere past --wait', dials('lock', `exit-${p.split('/')[2]}`, '--wait', '200ms', '--', 'true'), 1],
        ['an unknown option', dials('get', `${p}k`, '--frobnicate'), 2],
        ['--timeout abc', dials('get', `${p}k`, '--timeout', 'abc'), 2],
        ['--ttl 0', dials('set', `${p}t`, '1', '--ttl', '0'), 2],
        ['a write someone else got in before', runDials(proxy.endpoint, ['set', `${p}k`, '2']), 3],
        ['etcd unreachable', dials('get', `${p}k`, '--endpoints', down, '--timeout', '1000'), 4],
      ];
      const results = await Promise.all(table.map(([, run]) => run));
      expect(table.map(([what], i) => `${what}: ${results[i]?.code}`)).toEqual(table.map(([what, , code]) => `${what}: ${code}`));
      // Usage errors, and only they, end with the hint.
      expect(results.map((r) => r.stderr.includes(USAGE_HINT))).toEqual(table.map(([, , code]) => code === 2));
      expect(results[3]?.stderr).toContain('held by another process');
      expect(results[5]?.stderr).toContain('--timeout is not a duration: "abc"');
      expect(results[7]?.stderr).toContain('conflict');
      expect(await etcdctl('get', `${p}t`)).toBe('');
    } finally {
      await Promise.all([lock.release(), proxy.close()]);
    }
  });

  it('a value in a message is quoted once; a VALUE that is not JSON is a usage error (exit 2, as the table says)', async () => {
    const run = await dials('set', `${uniquePrefix('cli-exit')}k`, 'abc');
    expect(run.stderr).toContain('VALUE is not JSON: "abc"');
    expect(run.stderr).not.toContain('\\"');
    expect(run.code).toBe(2);
  });
});

describe('watch', () => {
  it('exits promptly on Ctrl-C', async () => {
    const p = uniquePrefix('cli-exit');
    const { code, exitMs } = await watchUntil(
      endpoint,
      [p],
      (out) => out.includes('put'),
      () => etcdctl('put', `${p}k`, '1'),
    );
    expect(code).toBe(0);
    console.log(`dials watch exited ${exitMs.toFixed(0)} ms after SIGINT`);
  });
});

describe('with auth', () => {
  let server: EtcdServer;
  const p = '/config/cli-auth/';
  beforeAll(async () => {
    server = await startAuthEtcd({ user: 'app', password: 'app-secret', readPrefix: p, seed: { [`${p}k`]: '"v"' } });
  });
  afterAll(() => server.destroy());

  it("a wrong password names the command's options, not the library's", async () => {
    const run = await runDials(server.endpoint, ['get', `${p}k`, '--user', 'app:wrong-secret-9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--user');
    expect(run.stderr).toContain('DIALS_PASSWORD');
    expect(run.stderr).not.toContain('auth.username');
    expect(run.stderr).not.toContain('wrong-secret-9');
    expect(run.stderr).not.toContain(USAGE_HINT);
  });

  it('--user without a password: asks on a terminal without echo; elsewhere a usage error says how to pass it', async () => {
    // Typed once the prompt shows, as a person would: what is typed before raw mode would be echoed by the terminal.
    const terminal = spawn('script', ['-qec', `${process.execPath} ${dialsBin} get ${p}k --user app`, '/dev/null'], {
      env: cleanEnv({ ...process.env, ETCD_ENDPOINTS: server.endpoint, NO_COLOR: '1', DIALS_PASSWORD: undefined }),
    });
    let screen = '';
    const exited = new Promise<number | null>((resolve) => terminal.once('exit', resolve));
    terminal.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (screen.includes('Password for app: ') && !terminal.stdin.writableEnded) terminal.stdin.end('app-secret\r');
    });
    expect(await exited).toBe(0);
    expect(screen).toContain('"v"');
    expect(screen).not.toContain('app-secret');
    const refused = await runDials(server.endpoint, ['get', `${p}k`, '--user', 'app'], { DIALS_PASSWORD: undefined });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('DIALS_PASSWORD');
    expect((await runDials(server.endpoint, ['get', `${p}k`, '--user', 'app'], { DIALS_PASSWORD: 'app-secret' })).stdout).toBe('"v"\n');
  });
});
