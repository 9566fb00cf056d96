import { createDials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: the watcher count must be ours alone
});
afterAll(() => server.destroy());

it('holds one etcd watch per prefix, however many subscribers', async () => {
  const base = uniquePrefix('fanout');
  const env = `${base}production/`;
  const etcd = rawClient(server.endpoint);
  await etcd.put(`${base}base/k0`).value('0');
  const before = await server.metric('etcd_debugging_mvcc_watcher_total');

  const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), layers: [`${base}base/`, env] });
  await dials.ready();
  const seen = new Map<string, unknown>();
  const subscriptions = [];
  for (let i = 0; i < 500; i++) {
    const path = `k${i % 50}`;
    subscriptions.push(dials.value$(path).subscribe((v) => seen.set(`${i}`, v)));
  }
  for (let i = 0; i < 20; i++) subscriptions.push(dials.config$.subscribe(() => {}));
  subscriptions.push(dials.changes$.subscribe(() => {}));

  // One per prefix, and one on /dials/in-progress/ to hold releases of several transactions.
  expect(await server.metric('etcd_debugging_mvcc_watcher_total')).toBe(before + 2 + 1);
  expect(dials.stats.watches).toBe(2);

  // The fan-out works: one put reaches every subscriber of that path.
  const done = new Promise<void>((resolve) => {
    const sub = dials.changes$.subscribe(() => {
      resolve();
      sub.unsubscribe();
    });
  });
  await etcd.put(`${env}k7`).value('"seven"');
  await done;
  const sevens = [...seen.entries()].filter(([i]) => Number(i) % 50 === 7);
  expect(sevens).toHaveLength(10);
  for (const [, v] of sevens) expect(v).toBe('seven');

  for (const s of subscriptions) s.unsubscribe();
  await dials.close();
  await etcd.delete().prefix(base);
  etcd.close();
  expect(await server.metric('etcd_debugging_mvcc_watcher_total')).toBe(before);
});
