import { createDials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd, so 100 000 keys do not slow the others
});
afterAll(() => server.destroy());

it('loads a prefix of 100 000 keys (12 MB, three times gRPC default 4 MiB limit) in pages', async () => {
  const prefix = uniquePrefix('large');
  const etcd = rawClient(server.endpoint);
  const value = JSON.stringify('v'.repeat(100));
  const total = 100_000;
  for (let start = 0; start < total; start += 128) {
    const puts = [];
    for (let i = start; i < Math.min(total, start + 128); i++) puts.push(etcd.put(`${prefix}k${i}`).value(value));
    await etcd
      .if(`${prefix}none`, 'Version', '==', 0)
      .then(...puts)
      .commit();
  }
  const dials = createDials({ source: etcdSource({ endpoints: server.endpoint, requestTimeoutMs: 20_000 }), prefix });
  await dials.ready();
  expect(Object.keys(dials.snapshot.values)).toHaveLength(total);
  expect(dials.get('k0')).toBe('v'.repeat(100));
  expect(dials.get(`k${total - 1}`)).toBe('v'.repeat(100));
  await dials.close();
  etcd.close();
}, 120_000);
