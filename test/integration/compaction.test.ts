import { type ChangeSet, createDials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { compact, rawClient, uniquePrefix } from '../helpers/keys.js';
import { TcpProxy } from '../helpers/proxy.js';

let server: EtcdServer;
let proxy: TcpProxy;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: compaction is global
  proxy = await TcpProxy.start('127.0.0.1', server.clientPort);
});
afterAll(async () => {
  await proxy.close();
  await server.destroy();
});

it('re-reads after etcd compacted past its revision and emits exactly the differences', async () => {
  const prefix = uniquePrefix('compact');
  const etcd = rawClient(server.endpoint);
  for (const key of ['same', 'changed', 'removed']) await etcd.put(`${prefix}${key}`).value('"v1"');
  const dials = createDials({ source: etcdSource({ endpoints: proxy.endpoint }), prefix });
  await dials.ready();
  const sets: ChangeSet[] = [];
  dials.changes$.subscribe((set) => sets.push(set));
  const resetsBefore = dials.stats.resets;

  const stale = until(dials.status$, (s) => s === 'stale');
  proxy.cut();
  await stale;
  await etcd.put(`${prefix}changed`).value('"v2"');
  await etcd.put(`${prefix}changed`).value('"v3"');
  await etcd.delete().key(`${prefix}removed`);
  await etcd.put(`${prefix}added`).value('"new"');
  await etcd.put(`${prefix}transient`).value('"gone soon"');
  await etcd.delete().key(`${prefix}transient`);
  await compact(etcd);

  const resynced = until(dials.changes$, () => true, 20_000);
  proxy.restore();
  await resynced;
  await until(dials.status$, (s) => s === 'ready');

  expect(dials.stats.resets).toBe(resetsBefore + 1);
  expect(sets).toHaveLength(1);
  const changes = [...(sets[0]?.changes ?? [])].sort((a, b) => a.path.localeCompare(b.path));
  expect(changes).toEqual([
    { path: 'added', type: 'put', value: 'new', previous: undefined },
    { path: 'changed', type: 'put', value: 'v3', previous: 'v1' },
    { path: 'removed', type: 'delete', value: undefined, previous: 'v1' },
  ]);
  expect(dials.snapshot.values).toEqual({ same: 'v1', changed: 'v3', added: 'new' });

  // And it keeps following after the resync.
  const next = until(dials.value$('same'), (v) => v === 'v2');
  await etcd.put(`${prefix}same`).value('"v2"');
  await next;
  await dials.close();
  etcd.close();
});
