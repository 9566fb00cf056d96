import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsEtcd, tlsEndpoint } from '../helpers/certs.js';
import { runDials } from '../helpers/cli.js';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';
import { startServing } from '../helpers/serve.js';

// `dials console` as a process: the console (users log in with their etcd users) and OFREP on one
// port, on an etcd with auth on, and on one that wants TLS client certificates; a clean stop.
const CONSOLE_LINE = /Console on (http:\/\/\S+)\/console\//;
const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

describe('dials console on an etcd with auth on', () => {
  let etcd: EtcdServer;
  let root: Etcd3;
  beforeAll(async () => {
    ({ server: etcd, root } = await startEtcdWithUsers({
      ofrep: { password: 'of-pass', read: ['/dials/ofrep-keys/', '/flags/'] },
      ann: { password: 'ann-pass', read: ['/flags/'], write: ['/dials/ofrep-keys/flags/'] },
    }));
    await root
      .put('/flags/shop/dev/beta')
      .value(JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }));
  });
  afterAll(async () => {
    root?.close();
    await etcd?.destroy();
  });

  it('lets ann log in with her etcd user and make an OFREP key, which works on the same port; stops on SIGINT', async () => {
    const server = await startServing(
      etcd.endpoint,
      ['console', '--port', '0', '--user', 'ofrep', '--secret', 'a-long-secret'],
      CONSOLE_LINE,
      {
        DIALS_PASSWORD: 'of-pass',
      },
    );
    expect(server.output()).toContain(`OFREP on ${server.url}/ofrep/v1`);
    const home = await fetch(server.url, { redirect: 'manual' });
    expect([home.status, home.headers.get('location')]).toEqual([302, '/console/']);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await json(await fetch(`${server.url}/console/api/session`))).body).toMatchObject({ authEnabled: true, loginRequired: true });
    const wrong = await fetch(`${server.url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann', password: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${server.url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann', password: 'ann-pass' }),
    });
    const session = await json(login);
    expect(session).toMatchObject({ status: 200, body: { user: 'ann' } });
    const cookie = (login.headers.get('set-cookie') as string).split(';')[0] as string;
    const made = await json(
      await fetch(`${server.url}/console/api/ofrep-keys`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': session.body.csrfToken as string },
        body: JSON.stringify({ namespace: 'flags/shop/dev', label: 'made in the console' }),
      }),
    );
    expect(made.status).toBe(201);
    const evaluate = () =>
      fetch(`${server.url}/ofrep/v1/evaluate/flags/beta`, {
        method: 'POST',
        headers: { 'x-api-key': made.body.key as string },
        body: JSON.stringify({ context: {} }),
      }).then(json);
    const deadline = Date.now() + 5_000; // the server learns of the key from its watch
    let answer = await evaluate();
    while (answer.status !== 200 && Date.now() < deadline) answer = await evaluate();
    expect(answer).toEqual({ status: 200, body: { key: 'beta', value: true, variant: 'on', reason: 'STATIC' } });
    const stopped = await server.stop('SIGINT');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(2_000);
  });

  it('limits logins: the sixth failure in a minute from one address is a 429 with Retry-After, even with the right password', async () => {
    const server = await startServing(etcd.endpoint, ['console', '--port', '0'], CONSOLE_LINE);
    const login = (user: string, password: string) =>
      fetch(`${server.url}/console/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, password }),
      });
    // Five wrong passwords, for two users: the address has used its five tries.
    for (const user of ['ann', 'ann', 'ann', 'mallory', 'mallory']) expect((await login(user, 'guess')).status).toBe(401);
    const limited = await login('ann', 'ann-pass');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(30);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({
      error: { code: 'TOO_MANY_ATTEMPTS', message: `Too many failed logins: try again in ${retryAfter} s` },
    });
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
  });

  it('without --user for OFREP, serves the console alone and says how to add OFREP', async () => {
    const server = await startServing(etcd.endpoint, ['console', '--port', '0'], CONSOLE_LINE);
    expect(server.output()).toMatch(/OFREP is off: .*\n.*--user ofrep/);
    expect(server.output()).not.toContain('OFREP on');
    expect((await fetch(`${server.url}/ofrep/v1/evaluate/flags`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/console/api/session`)).status).toBe(200);
    // A body that is not JSON, or over 2 MB: the API's JSON errors, not Express's HTML page with a stack.
    const post = (body: string) =>
      fetch(`${server.url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(json);
    expect(await post('{"user": ')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT' } } });
    expect(await post(JSON.stringify({ user: 'x'.repeat(2_200_000) }))).toMatchObject({
      status: 413,
      body: { error: { code: 'TOO_LARGE' } },
    });
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
  });

  it('will not start when the OFREP user given cannot log in (exit 1, naming --user)', async () => {
    const run = await runDials(etcd.endpoint, ['console', '--port', '0', '--user', 'ofrep'], { DIALS_PASSWORD: 'wrong' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--user and --password/);
  });
});

describe('dials console on an etcd that wants TLS client certificates', () => {
  let tls: Awaited<ReturnType<typeof startTlsEtcd>>;
  beforeAll(async () => {
    tls = await startTlsEtcd();
  });
  afterAll(async () => {
    await tls?.destroy();
  });
  const tlsArgs = () => [
    '--endpoints',
    `https://${tlsEndpoint(tls.server)}`,
    '--cacert',
    tls.pki.ca,
    '--cert',
    tls.pki.clientCert,
    '--key',
    tls.pki.clientKey,
  ];

  it('connects the console, and OFREP, with --cacert, --cert and --key; stops on SIGTERM', async () => {
    const flag = await runDials('', [
      'set',
      '/flags/tls/beta',
      JSON.stringify({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }),
      ...tlsArgs(),
    ]);
    expect(flag.code, flag.stderr).toBe(0);
    const made = await runDials('', ['ofrep', 'keys', 'create', 'flags/tls', '--json', ...tlsArgs()]);
    expect(made.code, made.stderr).toBe(0);
    const server = await startServing('', ['console', '--port', '0', ...tlsArgs()], CONSOLE_LINE);
    // etcd's auth is off: nobody logs in, every session shares the console's TLS connection.
    const session = await fetch(`${server.url}/console/api/session`);
    expect((await json(session)).body).toMatchObject({
      user: null,
      authEnabled: false,
      source: expect.stringContaining(tlsEndpoint(tls.server)),
    });
    const cookie = (session.headers.get('set-cookie') as string).split(';')[0] as string;
    const tree = await json(await fetch(`${server.url}/console/api/tree?prefix=/flags/`, { headers: { cookie } }));
    expect(tree).toMatchObject({ status: 200, body: { children: [{ name: 'tls', kind: 'folder' }] } });
    const answer = await fetch(`${server.url}/ofrep/v1/evaluate/flags/beta`, {
      method: 'POST',
      headers: { 'x-api-key': JSON.parse(made.stdout).key },
      body: JSON.stringify({ context: {} }),
    });
    expect(await json(answer)).toEqual({ status: 200, body: { key: 'beta', value: true, variant: 'on', reason: 'STATIC' } });
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
  });

  it('without the client certificate, says so and does not start (exit 1)', async () => {
    const args = tlsArgs().slice(0, 4); // --endpoints and --cacert only
    const run = await runDials('', ['console', '--port', '0', ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /TLS handshake with etcd at https:\/\/localhost:\d+ failed .*bad certificate[\s\S]*Check --cacert, --cert and --key/,
    );
  });
});
