import type { Server } from 'node:http';
import { createDials, etcdSource } from '@dials/core';
import { dialsHealth, dialsMiddleware, requireFlag } from '@dials/express';
import { createFlags } from '@dials/flags';
import express from 'express';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
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
  const app = express();
  app.use(dialsMiddleware({ dials, flags, context: (req) => ({ targetingKey: req.get('x-user-id') ?? 'anonymous' }) }));
  app.get('/db', (req, res) => {
    const config = req.config as { database: { host: string; port: number } };
    res.json({ host: config.database.host, port: config.database.port });
  });
  app.get('/slow', async (req, res) => {
    const config = req.config as { database: { host: string } };
    const before = config.database.host;
    await new Promise<void>((resolve) => {
      release = resolve;
      entered();
    });
    res.json({ before, after: (req.config as { database: { host: string } }).database.host, live: dials.get('database/host') });
  });
  app.get('/beta', requireFlag('beta'), (req, res) => {
    res.json({ beta: true, evaluations: [req.flags.isEnabled('beta'), req.flags.isEnabled('beta')] });
  });
  app.get('/health', dialsHealth({ dials, flags }));
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

describe('@dials/express on a real HTTP server and etcd', () => {
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
