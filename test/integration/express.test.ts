import type { Server } from 'node:http';
import { createDials, etcdSource } from '@dials/core';
import { dialsHealth, dialsMiddleware, requireFlag } from '@dials/express';
import { createFlags } from '@dials/flags';
import express from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
type Host = { database: { host: string; port: number } };

// The same application on Express 5 (the dev dependency) and Express 4 (the peer range allows both).
describe.each([
  ['Express 5', express],
  ['Express 4', express4 as unknown as typeof express],
])('@dials/express on %s, a real HTTP server and etcd', (_name, makeApp) => {
  const prefix = uniquePrefix('express');
  const flagPrefix = uniquePrefix('express-flags');
  const etcd = rawClient(endpoint);
  const source = etcdSource({ endpoints: endpoint });
  const dials = createDials({ source, prefix, schema: { 'database/host': z.string(), 'database/port': z.coerce.number() } });
  const flags = createFlags({ source, prefix: flagPrefix });
  let server: Server;
  let url: string;
  let release: () => void = () => {};
  let entered: () => void = () => {};

  beforeAll(async () => {
    await etcd.put(`${prefix}database/host`).value('db-1');
    await etcd.put(`${prefix}database/port`).value('5432');
    const beta = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on'] },
    };
    await etcd.put(`${flagPrefix}beta`).value(JSON.stringify(beta));
    await Promise.all([dials.ready(), flags.ready()]);
    const app = makeApp();
    app.use(dialsMiddleware({ dials, flags, context: (req) => ({ targetingKey: req.get('x-user-id') ?? 'anonymous' }) }));
    app.get('/db', (req, res) => {
      const config = req.config as Host;
      res.json({ host: config.database.host, port: config.database.port });
    });
    app.get('/slow', async (req, res) => {
      const before = (req.config as Host).database.host;
      await new Promise<void>((resolve) => {
        release = resolve;
        entered();
      });
      res.json({ before, after: (req.config as Host).database.host, live: dials.get('database/host') });
    });
    app.get('/beta', requireFlag('beta'), (req, res) => {
      res.json({ beta: true, evaluations: [req.flags.isEnabled('beta'), req.flags.isEnabled('beta')] });
    });
    app.get('/health', dialsHealth({ dials, flags }));
    app.get(
      '/locals',
      (_req, res, next) => {
        res.locals.user = 'ann';
        next();
      },
      (req, res) => {
        // What a template engine would be given: the application's own locals, nothing of ours.
        res.json({ locals: { ...res.locals }, keys: Object.keys(res.locals), host: (req.config as Host).database.host });
      },
    );
    const admin = makeApp();
    admin.get('/db', (req, res) => {
      res.json({ host: (req.config as Host).database.host, beta: req.flags.isEnabled('beta') });
    });
    app.use('/admin', admin);
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await Promise.all([dials.close(), flags.close()]);
    await etcd.delete().prefix(prefix);
    await etcd.delete().prefix(flagPrefix);
    etcd.close();
  });

  it('serves req.config, and the next request sees a change made in etcd', async () => {
    expect(await (await fetch(`${url}/db`)).json()).toEqual({ host: 'db-1', port: 5432 });
    const changed = until(dials.value$('database/host'), (h) => h === 'db-2');
    await etcd.put(`${prefix}database/host`).value('db-2');
    await changed;
    expect(await (await fetch(`${url}/db`)).json()).toEqual({ host: 'db-2', port: 5432 });
  });

  it('a request that started before a change keeps the config it started with', async () => {
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const pending = fetch(`${url}/slow`).then((r) => r.json());
    await inside;
    const changed = until(dials.value$('database/host'), (h) => h === 'db-3');
    await etcd.put(`${prefix}database/host`).value('db-3');
    await changed;
    release();
    expect(await pending).toEqual({ before: 'db-2', after: 'db-2', live: 'db-3' });
  });

  it('requireFlag answers 404 when the flag is off for the request, and lets it through when on', async () => {
    const guest = await fetch(`${url}/beta`, { headers: { 'x-user-id': 'guest' } });
    expect(guest.status).toBe(404);
    const vip = await fetch(`${url}/beta`, { headers: { 'x-user-id': 'vip' } });
    expect(vip.status).toBe(200);
    expect(await vip.json()).toEqual({ beta: true, evaluations: [true, true] });
  });

  it('keeps its per-request state out of res.locals as the application sees it, and serves mounted sub-apps', async () => {
    const locals = (await (await fetch(`${url}/locals`)).json()) as { locals: unknown; keys: string[]; host: string };
    expect(locals).toEqual({ locals: { user: 'ann' }, keys: ['user'], host: dials.get('database/host') });
    const sub = await fetch(`${url}/admin/db`, { headers: { 'x-user-id': 'vip' } });
    expect(await sub.json()).toEqual({ host: dials.get('database/host'), beta: true });
  });

  it('dialsHealth reports status and revision', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ready',
      stale: false,
      revision: dials.revision,
      flags: { status: 'ready', count: 1 },
    });
  });
});
