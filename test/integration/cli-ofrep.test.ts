import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDials } from '../helpers/cli.js';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';
import { startServing } from '../helpers/serve.js';

// `dials ofrep` and `dials ofrep keys` as processes, on an etcd with auth on: OFREP on the server's
// own user, keys made and revoked by another, and a clean stop on SIGTERM or SIGINT.
let etcd: EtcdServer;
let root: Etcd3;
beforeAll(async () => {
  ({ server: etcd, root } = await startEtcdWithUsers({
    ofrep: { password: 'of-pass', read: ['/dials/ofrep-keys/', '/flags/'] },
    keymaker: { password: 'km-pass', write: ['/dials/ofrep-keys/flags/shop/'] },
    nobody: { password: 'n-pass', read: ['/flags/'] },
  }));
  await root
    .put('/flags/shop/dev/beta')
    .value(JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }));
});
afterAll(async () => {
  root?.close();
  await etcd?.destroy();
});

const keymaker = (args: string[]) =>
  runDials(etcd.endpoint, ['ofrep', 'keys', ...args, '--user', 'keymaker'], { DIALS_PASSWORD: 'km-pass' });
const serve = () =>
  startServing(etcd.endpoint, ['ofrep', '--port', '0', '--user', 'ofrep'], /OFREP on (http:\/\/\S+)\/ofrep\/v1/, {
    DIALS_PASSWORD: 'of-pass',
  });
const evaluate = (url: string, key?: string) =>
  fetch(`${url}/ofrep/v1/evaluate/flags/beta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: JSON.stringify({ context: { targetingKey: 'u1' } }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

/** Ask until the status is `status` (the server learns of keys from its watch); at most 5 s. */
async function untilStatus(url: string, key: string, status: number) {
  const start = Date.now();
  let last = await evaluate(url, key);
  while (last.status !== status && Date.now() - start < 5_000) last = await evaluate(url, key);
  return { ...last, ms: Date.now() - start };
}

describe('dials ofrep', () => {
  it('serves OFREP on its own etcd user to holders of a key made by dials ofrep keys, refuses it once revoked, stops on SIGTERM', async () => {
    const made = await keymaker(['create', '/flags/shop/dev/', '--label', 'checkout (Go)', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const { key, hash, namespace } = JSON.parse(made.stdout) as { key: string; hash: string; namespace: string };
    expect(namespace).toBe('flags/shop/dev');
    const server = await serve();
    expect(server.output()).toContain('as ofrep');
    expect(await evaluate(server.url, key)).toEqual({ status: 200, body: { key: 'beta', value: true, variant: 'on', reason: 'STATIC' } });
    expect((await evaluate(server.url)).status).toBe(401);

    const listed = await keymaker(['ls', 'flags/shop/dev']);
    expect(listed.stdout).toMatch(new RegExp(`${hash}\\s+checkout \\(Go\\)\\s+\\S+\\s+tester`)); // DIALS_AUTHOR, else the etcd user
    expect(listed.stdout).not.toContain(key);
    expect((await keymaker(['revoke', 'flags/shop/dev', key])).code).toBe(0); // the key itself, or its hash
    const refused = await untilStatus(server.url, key, 401);
    expect(refused.status).toBe(401);
    expect(refused.ms).toBeLessThan(1_000);
    const again = await keymaker(['revoke', 'flags/shop/dev', hash]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining(`no API key ${hash} for flags/shop/dev`)]);

    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(2_000);
  });

  it('prints a new key once, on its own line, and stops on SIGINT (Ctrl-C)', async () => {
    const made = await keymaker(['create', 'flags/shop/staging']);
    expect(made.code, made.stderr).toBe(0);
    const [key, note] = made.stdout.split('\n');
    expect(key).toMatch(/^dk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20,}$/);
    expect(note).toContain('shown this once');
    const server = await serve();
    expect((await untilStatus(server.url, key as string, 404)).body).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' }); // staging has no beta
    expect(await server.stop('SIGINT')).toMatchObject({ code: 0 });
  });

  it('will not start on a user that may not read the keys, naming the prefix (exit 1)', async () => {
    const run = await runDials(etcd.endpoint, ['ofrep', '--port', '0', '--user', 'nobody'], { DIALS_PASSWORD: 'n-pass' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/permission denied on key \/dials\/ofrep-keys\//);
  });

  it('refuses what it cannot take with a usage error (exit 2) naming it', async () => {
    const cases: [string[], RegExp][] = [
      [['ofrep', '--port', 'http'], /--port must be a port number \(0 to 65535\): "http"/],
      [['ofrep', '--port', '70000'], /--port must be a port number/],
      [['ofrep', '--label', 'x'], /--label is for keys create/],
      [['ofrep', 'key'], /unknown subcommand key/],
      [['ofrep', 'keys', 'make', 'flags/x'], /unknown action make: create NAMESPACE, ls NAMESPACE or revoke NAMESPACE HASH_OR_KEY/],
      [['ofrep', 'keys', 'create'], /missing NAMESPACE/],
      [['ofrep', 'keys', 'create', 'flags/shop dev'], /Not a namespace for API keys: "flags\/shop dev"/],
      [['ofrep', 'keys', 'ls', 'flags/x', '--label', 'y'], /--label is for keys create/],
      [['ofrep', 'keys', 'revoke', 'flags/x'], /missing HASH_OR_KEY/],
      [['ofrep', 'keys', 'ls', 'flags/x', '--port', '1'], /unknown option --port/],
    ];
    for (const [args, message] of cases) {
      const run = await runDials(etcd.endpoint, args);
      expect([run.code, run.stderr], args.join(' ')).toEqual([2, expect.stringMatching(message)]);
    }
  });

  it('names a port that is taken (exit 1)', async () => {
    const first = await serve();
    const port = new URL(first.url).port;
    const second = await runDials(etcd.endpoint, ['ofrep', '--port', port, '--user', 'ofrep'], { DIALS_PASSWORD: 'of-pass' });
    expect([second.code, second.stderr]).toEqual([1, expect.stringContaining(`cannot listen on 127.0.0.1:${port}: the port is taken`)]);
    await first.stop('SIGTERM');
  });
});

describe('start-up of the other commands', () => {
  it('dials --help, get, and ofrep keys load neither express nor the console (nor etcd3, but for streams)', async () => {
    const probe = join(tmpdir(), `dials-probe-${process.pid}.cjs`);
    // What the process loaded, counted at exit: CommonJS packages (express, etcd3) land in require.cache even when imported.
    writeFileSync(
      probe,
      `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules\\/(express|etcd3|zod)\\//.test(k)).map((k) => k.split('node_modules/').pop().split('/')[0]).filter((v, i, a) => a.indexOf(v) === i)) + '\\n'));\n`,
    );
    const loaded = async (args: string[]) => {
      const run = await runDials(etcd.endpoint, args, { NODE_OPTIONS: `--require ${probe}`, DIALS_PASSWORD: 'km-pass' });
      return JSON.parse(/LOADED (.*)/.exec(run.stderr)?.[1] ?? 'null') as string[];
    };
    expect(await loaded(['--help'])).toEqual([]);
    expect(await loaded(['get', '/flags/shop/dev/beta', '--user', 'keymaker'])).toEqual([]);
    expect(await loaded(['ofrep', 'keys', 'ls', 'flags/shop/dev', '--user', 'keymaker'])).toEqual([]);
    expect(await loaded(['ofrep', '--help'])).toEqual([]);
    expect(await loaded(['console', '--help'])).toEqual([]);
    // The probe sees them when they are loaded: serving loads express and etcd3.
    expect(await loaded(['ofrep', '--port', 'x'])).toEqual([]);
    const serving = await startServing(etcd.endpoint, ['ofrep', '--port', '0', '--user', 'ofrep'], /OFREP on (http:\/\/\S+)/, {
      DIALS_PASSWORD: 'of-pass',
      NODE_OPTIONS: `--require ${probe}`,
    });
    await serving.stop('SIGTERM');
    expect(/LOADED (.*)/.exec(serving.output())?.[1]).toMatch(/express.*etcd3|etcd3.*express/);
  });
});
