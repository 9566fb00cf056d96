import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memorySource, type Source } from '@dials/core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsole, type DialsConsole, type Session } from '../src/index.js';

let server: Server | undefined;
let dialsConsole: DialsConsole | undefined;
afterEach(async () => {
  await dialsConsole?.close();
  server?.close();
});

/** A console on `source` (no login), served on a free port; a client that keeps the cookie and CSRF token. */
async function start(source: Source) {
  dialsConsole = await createConsole({ source, configRoots: ['/config/'], flagRoots: ['/flags/'] });
  const app = express();
  app.use('/console', dialsConsole.router);
  const http = createServer(app);
  server = http;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/console/api`;
  let cookie = '';
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0] as string;
    return { status: res.status, headers: res.headers, json: (await res.json().catch(() => undefined)) as Record<string, unknown> };
  };
  const session = (await call('GET', '/session')).json as unknown as Session;
  csrf = session.csrfToken;
  return { call, session, base, forgetCsrf: () => (csrf = '') };
}

describe('the console API on a memory source', () => {
  it('browses the tree, reads a key with its history, writes with a release, refuses a write without the CSRF token', async () => {
    const source = memorySource({
      initial: { '/config/shop/dev/database/host': 'db', '/config/shop/dev/database/password': 'hunter2', '/config/shop/prod/a': 1 },
    });
    const { call, session, forgetCsrf } = await start(source);
    expect(session).toMatchObject({ user: null, authEnabled: false, loginRequired: false, writable: true });
    expect((await call('GET', '/tree?prefix=/config/')).json.children).toEqual([
      { name: 'shop', path: '/config/shop/', kind: 'folder', count: 3 },
    ]);
    expect((await call('GET', '/tree?prefix=/config/shop/dev/database/')).json.children).toMatchObject([
      { name: 'host', kind: 'key' },
      { name: 'password', kind: 'key' },
    ]);
    const secret = (await call('GET', '/key?key=/config/shop/dev/database/password')).json;
    expect(secret).toMatchObject({ value: '<redacted>', redacted: true });
    expect((await call('GET', '/key?key=/config/shop/dev/database/password&reveal=1')).json.value).toBe('hunter2');
    const written = await call('PUT', '/key', { key: '/config/shop/dev/database/host', value: '"db2"', message: 'move' });
    expect(written.status).toBe(200);
    expect(written.json.release).toMatchObject({
      namespace: 'config/shop/dev',
      message: 'move',
      changes: [{ before: 'db', after: '"db2"' }],
    });
    expect((await call('GET', '/key?key=/config/shop/dev/database/host')).json.history).toMatchObject([{ message: 'move' }]);
    forgetCsrf();
    const refused = await call('PUT', '/key', { key: '/config/shop/dev/database/host', value: '"evil"' });
    expect(refused.status).toBe(403);
    expect((await source.get('/config/shop/dev/database/host'))?.value).toBe('"db2"');
  });

  it('diffs and promotes with a preview, and rolls a release back with the inverse diff', async () => {
    const source = memorySource({
      initial: { '/config/shop/staging/a': 1, '/config/shop/staging/b': 2, '/config/shop/prod/b': 3, '/config/shop/prod/c': 4 },
    });
    const { call } = await start(source);
    expect((await call('GET', '/diff?a=/config/shop/staging/&b=/config/shop/prod/')).json).toMatchObject({
      onlyA: [{ path: 'a' }],
      onlyB: [{ path: 'c' }],
      differ: [{ path: 'b', a: '2', b: '3' }],
    });
    const preview = await call('POST', '/promote', { from: '/config/shop/staging/', to: '/config/shop/prod/', paths: ['b'], apply: false });
    expect(preview.json).toEqual({ changes: [{ key: '/config/shop/prod/b', before: '3', after: '2' }] });
    expect((await source.get('/config/shop/prod/b'))?.value).toBe('3');
    const applied = await call('POST', '/promote', { from: '/config/shop/staging/', to: '/config/shop/prod/', paths: ['b'], apply: true });
    const release = applied.json.release as { id: string; namespace: string };
    expect((await source.get('/config/shop/prod/b'))?.value).toBe('2');
    const inverse = await call('POST', '/rollback', { namespace: release.namespace, id: release.id, apply: false });
    expect(inverse.json.changes).toEqual([{ key: '/config/shop/prod/b', before: '2', after: '3' }]);
    await call('POST', '/rollback', { namespace: release.namespace, id: release.id, apply: true });
    expect((await source.get('/config/shop/prod/b'))?.value).toBe('3');
    expect((await call('GET', '/releases')).json.namespaces).toEqual(['config/shop/prod']);
  });

  it('lists, checks, toggles and evaluates flags; names where a targeting rule stops being JSON', async () => {
    const flag = {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on'] },
    };
    const source = memorySource({ initial: { '/flags/shop/dev/beta': flag } });
    const { call } = await start(source);
    expect((await call('GET', '/flags?prefix=/flags/shop/dev/')).json.flags).toMatchObject([
      { key: 'beta', state: 'DISABLED', variants: ['on', 'off'] },
    ]);
    expect((await call('POST', '/flags/check', { prefix: '/flags/shop/dev/', key: 'beta', targeting: '{"if": [' })).json).toMatchObject({
      ok: false,
      line: 1,
    });
    expect((await call('POST', '/flags/check', { prefix: '/flags/shop/dev/', key: 'beta', targeting: '{"nope": []}' })).json).toMatchObject(
      { ok: false, message: expect.stringContaining('unknown operator "nope"') },
    );
    expect((await call('POST', '/flags/update', { prefix: '/flags/shop/dev/', key: 'beta', state: 'ENABLED' })).status).toBe(200);
    expect(
      (await call('POST', '/flags/evaluate', { prefix: '/flags/shop/dev/', key: 'beta', context: { targetingKey: 'vip' } })).json,
    ).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect((await call('POST', '/flags/update', { prefix: '/flags/shop/dev/', key: 'beta', defaultVariant: 'purple' })).status).toBe(422);
  });

  it('answers every view with security headers and a strict CSP, and an unknown route with 404', async () => {
    const { call } = await start(memorySource());
    const res = await call('GET', '/nothing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('answers a body over 2 MB with 413 and one that is not JSON with 400, in JSON, without a stack (plain Express)', async () => {
    const source = memorySource({ initial: { '/config/shop/dev/a': 1 } });
    const { base } = await start(source);
    const send = async (path: string, body: string) => {
      const res = await fetch(`${base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    const big = await send('/key', JSON.stringify({ key: '/config/shop/dev/a', value: 'x'.repeat(2_200_000) }));
    const broken = await send('/key', '{"key": "/config/shop/dev/a", "value":');
    const elsewhere = await send('/../anything', '{nope'); // outside the API too: the router reads every body
    for (const res of [big, broken, elsewhere]) {
      expect(res.type).toMatch(/^application\/json/);
      expect(res.text).not.toMatch(/<html|<pre>| at \S+ \(|node_modules/i);
    }
    expect([big.status, JSON.parse(big.text)]).toEqual([413, { error: { code: 'TOO_LARGE', message: 'The request body is over 2mb' } }]);
    expect([broken.status, JSON.parse(broken.text)]).toEqual([
      400,
      { error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('the body is not JSON') } },
    ]);
    expect(elsewhere.status).toBe(400);
    expect((await source.get('/config/shop/dev/a'))?.value).toBe('1');
  });
});
