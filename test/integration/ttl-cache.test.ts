import { createDials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { TcpProxy } from '../helpers/proxy.js';

let server: EtcdServer;
let proxy: TcpProxy;
beforeAll(async () => {
  server = await EtcdServer.start();
  proxy = await TcpProxy.start('127.0.0.1', server.clientPort);
});
afterAll(async () => {
  await proxy.close();
  await server.destroy();
});

describe('the TTL cache', () => {
  it('re-reads a quiet prefix once its data is older than cacheTtlMs', async () => {
    const prefix = uniquePrefix('ttl');
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, cacheTtlMs: 150 });
    await dials.ready();
    // Under load a re-read may come before this line: count from here.
    const before = dials.stats.ttlRereads;
    await vi.waitFor(() => expect(dials.stats.ttlRereads).toBeGreaterThanOrEqual(before + 2), { timeout: 5_000, interval: 20 });
    expect(dials.status).toBe('ready'); // a re-read that succeeds confirms the data
    await dials.close();
  });

  it('goes stale when the watch is silently cut and the re-read fails, and recovers when the link is back', async () => {
    const prefix = uniquePrefix('ttl');
    const etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}level`).value('"info"');
    const dials = createDials({
      // Keepalive far longer than the TTL: only the TTL can notice this half-open link.
      source: etcdSource({ endpoints: proxy.endpoint, requestTimeoutMs: 200, grpcOptions: { 'grpc.keepalive_time_ms': 600_000 } }),
      prefix,
      cacheTtlMs: 300,
    });
    await dials.ready();
    const reported = until(dials.errors$, () => true);
    const stale = until(dials.status$, (s) => s === 'stale');
    proxy.blackhole();
    await etcd.put(`${prefix}level`).value('"debug"'); // the client cannot hear this
    await stale;
    const error = await reported;
    expect(['TIMEOUT', 'UNAVAILABLE']).toContain(error.code);
    expect(error.message).toContain(proxy.endpoint);
    expect(dials.get('level')).toBe('info'); // last known good, still served
    expect(dials.stats.ttlRereads).toBeGreaterThan(0);

    proxy.restore();
    await until(dials.value$('level'), (v) => v === 'debug', 20_000);
    await until(dials.status$, (s) => s === 'ready', 20_000);
    await dials.close();
    etcd.close();
  });

  it('caches fetch() of keys outside the prefix for the TTL, then revalidates in the background', async () => {
    const prefix = uniquePrefix('ttl');
    const outside = `${uniquePrefix('shared')}region`;
    const etcd = rawClient(server.endpoint);
    await etcd.put(outside).value('"eu-west"');
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, cacheTtlMs: 200 });
    await dials.ready();
    expect(await dials.fetch(outside, z.string())).toBe('eu-west');
    await etcd.put(outside).value('"us-east"');
    expect(await dials.fetch(outside)).toBe('eu-west'); // cached: no read within the TTL
    await vi.waitFor(async () => expect(await dials.fetch(outside)).toBe('us-east'), { timeout: 5_000, interval: 50 });
    expect(await dials.fetch(`${outside}-missing`)).toBeUndefined();
    await dials.close();
    etcd.close();
  });
});
