import { createDials, type DialsError, etcdSource } from '@dials/core';
import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { type EtcdOptions, EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { TcpProxy } from '../helpers/proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function etcdWithProxy(options: EtcdOptions = {}) {
  const server = await EtcdServer.start(options);
  const proxy = await TcpProxy.start('127.0.0.1', server.clientPort);
  cleanups.push(async () => {
    await proxy.close();
    await server.destroy();
  });
  return { server, proxy };
}

describe("faults of the client's own connection", () => {
  it('a half-open connection (nothing forwarded, nothing closed) is noticed by gRPC keepalive, and the client resumes', async () => {
    const { server, proxy } = await etcdWithProxy();
    const prefix = uniquePrefix('halfopen');
    const dials = createDials({
      // Keepalive at etcd's minimum interval; the TTL cache is kept out of it (long).
      source: etcdSource({
        endpoints: proxy.endpoint,
        grpcOptions: { 'grpc.keepalive_time_ms': 5_000, 'grpc.keepalive_timeout_ms': 2_000 },
      }),
      prefix,
      cacheTtlMs: 600_000,
    });
    await dials.ready();
    const etcd = rawClient(server.endpoint);
    const started = Date.now();
    const stale = until(dials.status$, (s) => s === 'stale', 30_000);
    proxy.blackhole();
    await etcd.put(`${prefix}k`).value('"written while half-open"');
    await stale;
    console.log(`half-open connection noticed after ${Date.now() - started} ms`);
    proxy.restore();
    await until(dials.value$('k'), (v) => v === 'written while half-open', 30_000);
    await until(dials.status$, (s) => s === 'ready');
    await dials.close();
    etcd.close();
  }, 60_000);

  it('etcd restarted with a wiped data dir (revisions start over) is detected and resynced', async () => {
    const server = await EtcdServer.start();
    cleanups.push(() => server.destroy());
    const prefix = uniquePrefix('wiped');
    let etcd = rawClient(server.endpoint);
    for (let i = 0; i < 50; i++) await etcd.put(`${prefix}k${i % 5}`).value(String(i)); // revisions well past a new cluster's
    etcd.close();
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix });
    await dials.ready();
    const errors: DialsError[] = [];
    dials.errors$.subscribe((e) => errors.push(e));
    expect(dials.get('k4')).toBe(49);
    await server.wipe();
    await server.start();
    etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}k0`).value('"new cluster"');
    await until(dials.value$('k0'), (v) => v === 'new cluster', 30_000);
    await until(dials.value$('k4'), (v) => v === undefined, 30_000); // gone with the old data
    expect(errors.some((e) => e.code === 'CLUSTER_RESET' && e.message.includes('behind'))).toBe(true);
    expect(dials.snapshot.values).toEqual({ k0: 'new cluster' });
    // Dials' revision is the new cluster's, so compare-and-set against it means what it says.
    expect(dials.revision).toBe(Number((await etcd.get(`${prefix}k0`).exec()).header.revision));
    await dials.close();
    etcd.close();
  }, 60_000);

  it('an auth token that expired while the watch was cut is renewed, and no event is lost', async () => {
    const { server, proxy } = await etcdWithProxy({ extraArgs: ['--auth-token-ttl', '2'] });
    const root = new Etcd3({ hosts: server.endpoint });
    await root.user('root').create('root-pw');
    await root.role('root').create();
    await root.user('root').addRole('root');
    await root.auth.authEnable();
    root.close();
    const prefix = uniquePrefix('token');
    const admin = new Etcd3({ hosts: server.endpoint, auth: { username: 'root', password: 'root-pw' } });
    const dials = createDials({
      source: etcdSource({ endpoints: proxy.endpoint, auth: { username: 'root', password: 'root-pw' } }),
      prefix,
    });
    await dials.ready();
    const stale = until(dials.status$, (s) => s === 'stale');
    proxy.cut();
    await stale;
    await new Promise((r) => setTimeout(r, 3_000)); // let the 2 s token expire while cut off: time is the fault here
    for (let i = 1; i <= 5; i++) await admin.put(`${prefix}n`).value(String(i));
    proxy.restore();
    await until(dials.value$('n'), (v) => v === 5, 30_000);
    const seen: unknown[] = [];
    dials.changes$.subscribe((c) => seen.push(...c.changes.map((x) => x.value)));
    await admin.put(`${prefix}n`).value('6');
    await until(dials.value$('n'), (v) => v === 6, 10_000);
    expect(seen).toEqual([6]);
    await dials.close();
    admin.close();
  }, 60_000);
});
