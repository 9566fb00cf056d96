import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsole, type DialsConsole, type Session } from '@dials/console';
import { policyKey } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';

// The console's change request and gray release API on an etcd with auth on: each call runs as the
// logged-in etcd user. production requires one approval; ana and ben may write, vera only read.
const ns = 'config/shop/production';
const port = `/${ns}/database/port`;
let etcd: EtcdServer;
let root: Etcd3;
let dialsConsole: DialsConsole;
let http: Server;
let base: string;
beforeAll(async () => {
  ({ server: etcd, root } = await startEtcdWithUsers({
    ana: { password: 'ana-pass', write: ['/config/', '/flags/', '/dials/'] },
    ben: { password: 'ben-pass', write: ['/config/', '/flags/', '/dials/'] },
    vera: { password: 'vera-pass', read: ['/config/', '/dials/'] },
  }));
  await root.put(port).value('5432');
  await root.put(`/${ns}/database/host`).value('db');
  await root.put(policyKey(ns)).value(JSON.stringify({ requireApproval: 1 }));
  await root.put(policyKey('flags/shop/production')).value(JSON.stringify({ requireApproval: 1 }));
  await root
    .put('/flags/shop/production/beta')
    .value(JSON.stringify({ state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' }));
  dialsConsole = await createConsole({ etcd: { endpoints: etcd.endpoint } });
  const app = express();
  app.use('/console', dialsConsole.router);
  http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/console/api`;
});
afterAll(async () => {
  http?.closeAllConnections();
  http?.close();
  await dialsConsole?.close();
  root?.close();
  await etcd?.destroy();
});

// biome-ignore lint/suspicious/noExplicitAny: each answer is checked field by field (toMatchObject, toEqual)
type Json = any;
type Answer = { status: number; json: Record<string, Json> };

/** Log in as an etcd user; calls that carry the session cookie and (unless told not to) its CSRF token. */
async function login(user: string, password: string) {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  expect(res.status, user).toBe(200);
  const cookie = (res.headers.get('set-cookie') as string).split(';')[0] as string;
  const { csrfToken } = (await res.json()) as Session;
  return async (method: string, path: string, body?: unknown, csrf = true): Promise<Answer> => {
    const answer = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrfToken } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, json: (await answer.json()) as Record<string, Json> };
  };
}

const value = async (key: string) => (await root.get(key).string()) ?? undefined;

describe('change requests in the console API', () => {
  it('turns a write that needs approval into a draft; the author cannot approve, another can; applying names both', async () => {
    const ana = await login('ana', 'ana-pass');
    const ben = await login('ben', 'ben-pass');
    const vera = await login('vera', 'vera-pass');
    const drafted = await ana('PUT', '/key', { key: port, value: '6543', message: 'bigger port' });
    expect(drafted.status).toBe(202);
    const id = drafted.json.changeRequest.id as string;
    expect(drafted.json.changeRequest).toEqual({ namespace: ns, id });
    expect(await value(port)).toBe('5432');

    const shown = await vera('GET', `/change?namespace=${ns}&id=${id}`);
    expect(shown.json).toMatchObject({
      author: 'ana',
      title: 'bigger port',
      state: 'open',
      required: 1,
      writers: ['ana'],
      changes: [{ key: port, before: '5432', after: '6543' }],
    });
    expect(shown.json.baseRevision).toBeGreaterThan(0);
    expect((await vera('GET', `/changes?namespace=${ns}`)).json).toMatchObject({ namespaces: [ns], requests: [{ id }] });

    const self = await ana('POST', '/changes/approve', { namespace: ns, id });
    expect(self.status).toBe(400);
    expect(self.json.error.message).toContain('ana wrote change request');
    expect((await vera('POST', '/changes/approve', { namespace: ns, id })).json.error.code).toBe('PERMISSION_DENIED');
    expect((await ben('POST', '/changes/approve', { namespace: ns, id }, false)).status).toBe(403);
    const approved = await ben('POST', '/changes/approve', { namespace: ns, id, comment: 'looks right' });
    expect(approved.json.request).toMatchObject({ state: 'approved', approvals: [{ by: 'ben', reason: 'looks right' }] });

    const applied = await ana('POST', '/changes/apply', { namespace: ns, id });
    expect(applied.status).toBe(200);
    expect(applied.json.request).toMatchObject({ state: 'applied', release: applied.json.release.id });
    expect(await value(port)).toBe('6543');
    const record = JSON.parse((await value(`/dials/releases/${ns}/${applied.json.release.id}`)) as string);
    expect(record).toMatchObject({ author: 'ana', changeRequest: id, approvers: ['ben'] });
  });

  it('answers an apply whose key moved since with 409 naming the key, and writes nothing', async () => {
    const ana = await login('ana', 'ana-pass');
    const ben = await login('ben', 'ben-pass');
    const host = `/${ns}/database/host`;
    const made = await ana('POST', '/changes', { namespace: ns, title: 'new host', changes: [{ key: host, value: 'db2' }] });
    expect(made.status).toBe(200);
    const id = made.json.request.id as string;
    await ben('POST', '/changes/approve', { namespace: ns, id });
    await root.put(host).value('db-moved');
    const refused = await ana('POST', '/changes/apply', { namespace: ns, id });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'CONFLICT', key: host });
    expect(await value(host)).toBe('db-moved');
    const history = (await ana('GET', `/change?namespace=${ns}&id=${id}`)).json.history as { action: string }[];
    expect(history.map((e) => e.action)).toContain('conflict');
  });

  it('schedules and unschedules, rejects with a reason, and names what it cannot find', async () => {
    const ana = await login('ana', 'ana-pass');
    const ben = await login('ben', 'ben-pass');
    const made = await ana('POST', '/changes', { namespace: ns, changes: [{ key: `/${ns}/feature`, value: 'on' }] });
    const id = made.json.request.id as string;
    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect((await ana('POST', '/changes/schedule', { namespace: ns, id, at })).json.request.schedule).toEqual({ at, by: 'ana' });
    expect((await ana('POST', '/changes/schedule', { namespace: ns, id, at: '2001-01-01T00:00:00Z' })).status).toBe(400);
    expect((await ana('POST', '/changes/unschedule', { namespace: ns, id })).json.request.schedule).toBeUndefined();
    const rejected = await ben('POST', '/changes/reject', { namespace: ns, id, comment: 'not now' });
    expect(rejected.json.request).toMatchObject({ state: 'rejected', rejections: [{ by: 'ben', reason: 'not now' }] });
    const missing = await ana('GET', `/change?namespace=${ns}&id=999999`);
    expect(missing.status).toBe(400);
    expect(missing.json.error.key).toBe(`/dials/changes/${ns}/999999`);
    expect((await ana('POST', '/changes/merge', { namespace: ns, id })).status).toBe(404);
  });
});

describe('other console writes to a reviewed namespace', () => {
  it('drafts a change request for a flag switch, a promote and a rollback, writing nothing', async () => {
    const ana = await login('ana', 'ana-pass');
    const drafted = async (answer: Answer, namespace: string) => {
      expect(answer.status, JSON.stringify(answer.json)).toBe(202);
      const { id } = answer.json.changeRequest as { id: string };
      return (await ana('GET', `/change?namespace=${namespace}&id=${id}`)).json;
    };
    const flag = await ana('POST', '/flags/update', { prefix: '/flags/shop/production/', key: 'beta', state: 'ENABLED' });
    expect((await drafted(flag, 'flags/shop/production')).changes).toMatchObject([{ key: '/flags/shop/production/beta' }]);
    expect(JSON.parse((await value('/flags/shop/production/beta')) as string).state).toBe('DISABLED');

    await root.put('/config/shop/staging/database/port').value('7000');
    const promote = await ana('POST', '/promote', {
      from: '/config/shop/staging/',
      to: `/${ns}/`,
      paths: ['database/port'],
      apply: true,
    });
    expect((await drafted(promote, ns)).changes).toMatchObject([{ key: port, after: '7000' }]);

    const [latest] = (await ana('GET', `/releases?namespace=${ns}`)).json.releases as { id: string; changes: { key: string }[] }[];
    const rollback = await ana('POST', '/rollback', { namespace: ns, id: latest?.id, apply: true });
    expect((await drafted(rollback, ns)).changes).toMatchObject([{ key: port, before: '6543', after: '5432' }]);
    expect(await value(port)).toBe('6543');
  });
});

describe('gray releases in the console API', () => {
  const gns = 'config/shop/staging';
  const key = `/${gns}/pool`;

  it('starts one for labelled instances, steps it, pauses it, promotes it for everyone', async () => {
    await root.put(key).value('10');
    const ana = await login('ana', 'ana-pass');
    const made = await ana('POST', '/gray', {
      namespace: gns,
      changes: [{ key, value: '20' }],
      labels: { canary: 'true' },
      steps: [50, 100],
      message: 'pool 20',
    });
    expect(made.status).toBe(200);
    const id = made.json.gray.id as string;
    expect(made.json.gray).toMatchObject({ labels: { canary: 'true' }, steps: [50, 100], step: { index: 0, percent: 50 }, author: 'ana' });
    expect(await value(key)).toBe('10');
    expect((await ana('GET', '/gray')).json.namespaces).toEqual([gns]);
    expect((await ana('GET', `/gray?namespace=${gns}`)).json.releases).toMatchObject([{ id, values: [{ key, value: '20' }] }]);
    expect((await ana('POST', '/gray/pause', { namespace: gns, id })).json.gray.paused).toBe(true);
    expect((await ana('POST', '/gray/advance', { namespace: gns, id })).status).toBe(400);
    expect((await ana('POST', '/gray/resume', { namespace: gns, id })).json.gray.paused).toBe(false);
    expect((await ana('POST', '/gray/advance', { namespace: gns, id })).json.gray.step).toMatchObject({ index: 1, percent: 100 });
    const promoted = await ana('POST', '/gray/promote', { namespace: gns, id });
    expect(promoted.status).toBe(200);
    expect(promoted.json.release.changes).toEqual([{ key, before: '10', after: '20' }]);
    expect(await value(key)).toBe('20');
    expect((await ana('GET', `/gray/one?namespace=${gns}&id=${id}`)).status).toBe(400);
  });

  it('refuses one in a namespace that requires approval with a 403 naming the policy, writing nothing', async () => {
    const ana = await login('ana', 'ana-pass');
    const refused = await ana('POST', '/gray', { namespace: ns, changes: [{ key: port, value: '1' }], labels: { canary: 'true' } });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'APPROVAL_REQUIRED', key: port });
    expect(refused.json.error.message).toContain(`${ns} requires review`);
    expect(await root.getAll().prefix(`/dials/gray/${ns}/`).keys()).toEqual([]);
  });

  it('abandons one (the value stays), and refuses a reader', async () => {
    const ana = await login('ana', 'ana-pass');
    const vera = await login('vera', 'vera-pass');
    const made = await ana('POST', '/gray', { namespace: gns, changes: [{ key, value: '30' }], labels: { canary: 'true' } });
    const id = made.json.gray.id as string;
    expect((await vera('POST', '/gray/abandon', { namespace: gns, id })).json.error.code).toBe('PERMISSION_DENIED');
    expect((await ana('POST', '/gray/abandon', { namespace: gns, id })).json.release).toMatchObject({ changes: [] });
    expect((await ana('GET', `/gray?namespace=${gns}`)).json.releases).toEqual([]);
    expect(await value(key)).toBe('20');
  });
});
