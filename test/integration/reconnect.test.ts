import { type ChangeSet, createDials, etcdSource } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { TcpProxy } from '../helpers/proxy.js';

let server: EtcdServer;
let proxy: TcpProxy;
let etcd: Etcd3;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: these tests stop it
  proxy = await TcpProxy.start('127.0.0.1', server.clientPort);
  etcd = rawClient(server.endpoint);
});
afterEach(() => proxy.restore());
afterAll(async () => {
  etcd.close();
  await proxy.close();
  await server.destroy();
});

describe('reconnecting', () => {
  it('goes stale while etcd is stopped and ready when it is back, then follows changes again', async () => {
    const prefix = uniquePrefix('restart');
    await etcd.put(`${prefix}mode`).value('"before"');
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix });
    await dials.ready();
    const stale = until(dials.status$, (s) => s === 'stale');
    await server.stop();
    await stale;
    expect(dials.get('mode')).toBe('before'); // reads keep answering from the snapshot
    const ready = until(dials.status$, (s) => s === 'ready', 20_000);
    await server.start();
    await ready;
    const next = until(dials.value$('mode'), (v) => v === 'after');
    await etcd.put(`${prefix}mode`).value('"after"');
    await next;
    await dials.close();
  });

  it('after a cut connection, emits every change made meanwhile once, in revision order', async () => {
    const prefix = uniquePrefix('cut');
    const dials = createDials({ source: etcdSource({ endpoints: proxy.endpoint }), prefix });
    await dials.ready();
    const sets: ChangeSet[] = [];
    dials.changes$.subscribe((set) => sets.push(set));

    const stale = until(dials.status$, (s) => s === 'stale');
    proxy.cut();
    await stale;
    const written: string[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `k${i % 20}`;
      await etcd.put(`${prefix}${key}`).value(String(i));
      written.push(`${key}=${i}`);
    }
    await etcd.delete().key(`${prefix}k0`);
    written.push('k0=undefined');
    const caughtUp = until(dials.changes$, (set) => set.changes.some((c) => c.path === 'k0' && c.type === 'delete'), 20_000);
    proxy.restore();
    await caughtUp;

    const emitted = sets.flatMap((set) => set.changes.map((c) => `${c.path}=${String(c.value)}`));
    expect(emitted).toEqual(written);
    const revisions = sets.map((s) => s.revision);
    expect(new Set(revisions).size).toBe(revisions.length);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
    const inEtcd = await etcd.getAll().prefix(prefix).strings();
    const mine = Object.fromEntries(Object.entries(inEtcd).map(([k, v]) => [k.slice(prefix.length), Number(v)]));
    expect(dials.snapshot.values).toEqual(mine);
    await dials.close();
  });
});
