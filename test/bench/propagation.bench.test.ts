import { createDials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { percentile, QUICK, record, save } from './measure.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start();
});
afterAll(async () => {
  save('propagation');
  await server.destroy();
});

const CHANGES = QUICK ? 50 : 1_000;
/**
 * Changes made and not timed before the timed ones, for this long: a Dials reader checks changes
 * against etcd's history for its first second (release-hold.ts, CATCH_UP_MS), and the JIT warms up.
 * Every contender gets the same.
 */
const WARM_UP_MS = QUICK ? 0 : 1_500;

/** etcd put → callback, one change at a time, in milliseconds (after the warm-up). */
async function latencies(put: (i: number) => Promise<unknown>, arrived: (resolve: () => void) => void): Promise<number[]> {
  const out: number[] = [];
  const warmUntil = performance.now() + WARM_UP_MS;
  let warm = 0;
  for (; performance.now() < warmUntil; warm++) {
    const seen = new Promise<void>((resolve) => arrived(resolve));
    await put(CHANGES + warm);
    await seen;
  }
  for (let i = 0; i < CHANGES; i++) {
    const seen = new Promise<void>((resolve) => arrived(resolve));
    const start = process.hrtime.bigint();
    await put(i);
    await seen;
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

it('change propagation: etcd put → subscriber callback, against a raw etcd3 watcher', async () => {
  const etcd = rawClient(server.endpoint);
  const group = 'change propagation (put → callback)';
  const report = (name: string, values: number[]) => {
    record(group, `${name} p50`, 'ms', [percentile(values, 50)]);
    record(group, `${name} p99`, 'ms', [percentile(values, 99)]);
    record(group, `${name} max`, 'ms', [values[values.length - 1] ?? 0]);
    return percentile(values, 50);
  };

  // Raw etcd3 watcher on one key.
  const rawPrefix = uniquePrefix('raw');
  const watcher = await etcd.watch().key(`${rawPrefix}k`).create();
  let rawResolve: () => void = () => {};
  watcher.on('put', () => rawResolve());
  const raw = report(
    'raw etcd3 watcher, 1 key',
    await latencies(
      (i) => etcd.put(`${rawPrefix}k`).value(String(i)).exec(),
      (r) => (rawResolve = r),
    ),
  );
  await watcher.cancel();

  const run = async (name: string, subscribers: number, keys: number) => {
    const prefix = uniquePrefix('prop');
    if (keys > 1) {
      for (let start = 0; start < keys; start += 100) {
        await etcd
          .if(`${prefix}none`, 'Version', '==', 0)
          .then(...Array.from({ length: Math.min(100, keys - start) }, (_, j) => etcd.put(`${prefix}k${start + j}`).value('0')))
          .commit();
      }
    }
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix });
    await dials.ready();
    let resolve: () => void = () => {};
    let expected = '';
    for (let s = 0; s < subscribers; s++) {
      const last = s === subscribers - 1;
      dials.value$('k0').subscribe((v) => {
        if (last && String(v) === expected) resolve();
      });
    }
    const median = report(
      name,
      await latencies(
        (i) => {
          expected = String(i + 1);
          return etcd
            .put(`${prefix}k0`)
            .value(String(i + 1))
            .exec();
        },
        (r) => (resolve = r),
      ),
    );
    await dials.close();
    return median;
  };
  const one = await run('Dials, 1 subscriber', 1, 1);
  await run('Dials, 1 000 subscribers on one key (time to the last)', 1_000, 1);
  await run('Dials, 1 000 keys under the prefix', 1, 1_000);
  console.log(`propagation: Dials p50 ${one.toFixed(2)} ms vs raw ${raw.toFixed(2)} ms (${(one / raw).toFixed(2)}×)`);
  expect(one).toBeGreaterThan(0);
  etcd.close();
}, 600_000);
