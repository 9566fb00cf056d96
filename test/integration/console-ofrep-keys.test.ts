import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsole, createOfrep, type DialsConsole, type OfrepServer, type Session } from '@dials/console';
import { etcdSource } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';

// The console's API for OFREP keys on an etcd with auth on: each call runs as the logged-in etcd
// user, and a key made there works on an OFREP server (its own user) until it is revoked there.
let etcd: EtcdServer;
let root: Etcd3;
let dialsConsole: DialsConsole;
let ofrep: OfrepServer;
let http: Server;
let base: string;
beforeAll(async () => {
  ({ server: etcd, root } = await startEtcdWithUsers({
    keymaker: { password: 'km-pass', write: ['/dials/ofrep-keys/flags/shop/'] },
    viewer: { password: 'v-pass', read: ['/dials/ofrep-keys/'] },
    ofrep: { password: 'of-pass', read: ['/dials/ofrep-keys/', '/flags/'] },
    narrow: { password: 'nr-pass', read: ['/dials/ofrep-keys/'] },
  }));
  await root
    .put('/flags/shop/dev/beta')
    .value(JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }));
  dialsConsole = await createConsole({ etcd: { endpoints: etcd.endpoint } });
  ofrep = createOfrep({ source: etcdSource({ endpoints: etcd.endpoint, auth: { username: 'ofrep', password: 'of-pass' } }) });
  await ofrep.ready();
  const app = express();
  app.use('/console', dialsConsole.router);
  app.use(ofrep.router);
  http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  http?.closeAllConnections();
  http?.close();
  await Promise.all([dialsConsole?.close(), ofrep?.close()]);
  root?.close();
  await etcd?.destroy();
});

/** Log in as an etcd user; calls that carry the session cookie and (unless told not to) its CSRF token. */
async function login(user: string, password: string) {
  const res = await fetch(`${base}/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  expect(res.status, user).toBe(200);
  const cookie = (res.headers.get('set-cookie') as string).split(';')[0] as string;
  const { csrfToken } = (await res.json()) as Session;
  return async (method: string, path: string, body?: unknown, csrf = true) => {
    const answer = await fetch(`${base}/console/api${path}`, {
      method,
      headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrfToken } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: answer.status,
      headers: answer.headers,
      json: (await answer.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
    };
  };
}

const evaluate = (key: string) =>
  fetch(`${base}/ofrep/v1/evaluate/flags/beta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ context: { targetingKey: 'u1' } }),
  }).then((r) => r.status);

/** Ask until the status is `status` (the OFREP server learns of keys from its watch), at most 5 s. */
async function untilStatus(key: string, status: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  let last = await evaluate(key);
  while (last !== status && Date.now() < deadline) last = await evaluate(key);
  return last;
}

describe('/api/ofrep-keys', () => {
  it('makes a key (shown once), lists it without the key, and revokes it: OFREP refuses it at once', async () => {
    const call = await login('keymaker', 'km-pass');
    const made = await call('POST', '/ofrep-keys', { namespace: '/flags/shop/dev/', label: 'checkout (Go)' });
    expect(made.status).toBe(201);
    expect(made.headers.get('cache-control')).toBe('no-store');
    expect(made.json).toEqual({
      key: expect.stringMatching(/^dk_/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      namespace: 'flags/shop/dev',
    });
    const { key, hash } = made.json as { key: string; hash: string };
    expect(await untilStatus(key, 200)).toBe(200);

    const listed = await call('GET', '/ofrep-keys?namespace=flags/shop/dev');
    expect(listed.json).toEqual({
      namespace: 'flags/shop/dev',
      keys: [{ hash, label: 'checkout (Go)', createdAt: expect.any(String), createdBy: 'keymaker' }],
    });
    expect(JSON.stringify(listed.json)).not.toContain(key);

    const revoked = await call('DELETE', `/ofrep-keys?namespace=flags/shop/dev&hash=${hash}`);
    expect([revoked.status, revoked.json]).toEqual([200, { namespace: 'flags/shop/dev', hash }]);
    expect(await untilStatus(key, 401)).toBe(401);
    const again = await call('DELETE', `/ofrep-keys?namespace=flags/shop/dev&hash=${hash}`);
    expect([again.status, again.json.error?.code]).toEqual([404, 'NOT_FOUND']);
    expect(again.json.error?.message).toContain(hash);
  });

  it("runs as the session's etcd user: a user who may only read keys lists them and cannot make one", async () => {
    const keymaker = await login('keymaker', 'km-pass');
    await keymaker('POST', '/ofrep-keys', { namespace: 'flags/shop/staging', label: 'seen by the viewer' });
    const viewer = await login('viewer', 'v-pass');
    expect(((await viewer('GET', '/ofrep-keys?namespace=flags/shop/staging')).json.keys as object[]).length).toBe(1);
    const refused = await viewer('POST', '/ofrep-keys', { namespace: 'flags/shop/staging' });
    expect([refused.status, refused.json.error?.code]).toEqual([403, 'PERMISSION_DENIED']);
    // Nor may the keymaker outside its prefix.
    const elsewhere = await keymaker('POST', '/ofrep-keys', { namespace: 'flags/billing/prod' });
    expect(elsewhere.status).toBe(403);
    expect(((await viewer('GET', '/ofrep-keys?namespace=flags/billing/prod')).json.keys as object[]).length).toBe(0);
  });

  it('needs the CSRF token to make or revoke, and names a bad namespace or a missing parameter', async () => {
    const call = await login('keymaker', 'km-pass');
    const noToken = await call('POST', '/ofrep-keys', { namespace: 'flags/shop/dev' }, false);
    expect([noToken.status, noToken.json.error?.code]).toEqual([403, 'CSRF']);
    expect((await call('DELETE', '/ofrep-keys?namespace=flags/shop/dev&hash=abc', undefined, false)).status).toBe(403);
    const bad = await call('POST', '/ofrep-keys', { namespace: 'flags/shop dev' });
    expect([bad.status, bad.json.error?.message]).toEqual([400, expect.stringContaining('"flags/shop dev"')]);
    const missing = await call('GET', '/ofrep-keys');
    expect([missing.status, missing.json.error?.message]).toEqual([400, expect.stringContaining('namespace')]);
    const noNamespace = await call('POST', '/ofrep-keys', { label: 'x' });
    expect([noNamespace.status, noNamespace.json.error?.message]).toEqual([400, expect.stringContaining('namespace')]);
    expect((await fetch(`${base}/console/api/ofrep-keys?namespace=flags/shop/dev`)).status).toBe(401); // no session
  });
});

describe('an OFREP server whose own user may not read a namespace', () => {
  it('answers 500 naming the prefix and what to grant, and serves the namespace once the role is granted', async () => {
    const narrow = createOfrep({ source: etcdSource({ endpoints: etcd.endpoint, auth: { username: 'narrow', password: 'nr-pass' } }) });
    await narrow.ready();
    const app = express();
    app.use(narrow.router);
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ofrep/v1/evaluate/flags`;
    const call = await login('keymaker', 'km-pass');
    const { key } = (await call('POST', '/ofrep-keys', { namespace: 'flags/shop/qa' })).json as { key: string };
    await root.put('/flags/shop/qa/beta').value(JSON.stringify({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }));
    const ask = () =>
      fetch(url, { method: 'POST', headers: { 'x-api-key': key }, body: '{"context":{}}' }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { errorDetails?: string; flags?: unknown[] },
      }));
    let answer = await ask();
    for (const deadline = Date.now() + 5_000; answer.status === 401 && Date.now() < deadline; ) answer = await ask(); // the key's watch
    expect(answer.status).toBe(500);
    expect(answer.body.errorDetails).toMatch(
      /cannot read the flags under \/flags\/shop\/qa\/: .*permission denied.*Grant the user's role access/,
    );
    await root.role('narrow-role').grant({ permission: 'Read', range: root.range({ prefix: '/flags/shop/qa/' }) });
    answer = await ask(); // tried again: no restart
    expect([answer.status, answer.body.flags]).toEqual([200, [{ key: 'beta', value: true, variant: 'on', reason: 'STATIC' }]]);
    server.close();
    await narrow.close();
  });
});
