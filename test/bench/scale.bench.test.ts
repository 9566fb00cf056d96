import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDials, etcdSource, publishKeys } from '@dials/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { QUICK, REPS, record, save } from './measure.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: the watcher count must be ours
});
afterAll(async () => {
  save('scale');
  await server.destroy();
});

/** A raw etcd3 getAll of the prefix, in milliseconds; its result is garbage when this returns. */
async function rawRead(prefix: string, count: number): Promise<number> {
  // The raw client needs a larger message limit for 100 000 keys (9 MB > gRPC's default 4 MiB).
  const etcd = new Etcd3({ hosts: server.endpoint, grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 } });
  const start = process.hrtime.bigint();
  const all = await etcd.getAll().prefix(prefix).strings();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  expect(Object.keys(all)).toHaveLength(count);
  etcd.close();
  return ms;
}

const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));

/** The heap an instance holds once ready, measured in a fresh process so nothing else is on it. */
function heapOfReady(prefix: string): Promise<number> {
  const script = `import { createDials, etcdSource } from ${JSON.stringify(core)};
    globalThis.gc(); const before = process.memoryUsage().heapUsed;
    const dials = createDials({ source: etcdSource({ endpoints: process.env.ENDPOINT, requestTimeoutMs: 60000 }), prefix: process.env.PREFIX });
    await dials.ready(); globalThis.gc();
    console.log((process.memoryUsage().heapUsed - before) / 1e6);
    await dials.close();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', script],
      { env: { ...process.env, ENDPOINT: server.endpoint, PREFIX: prefix } },
      (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim()))),
    );
  });
}

async function fill(prefix: string, count: number) {
  const etcd = rawClient(server.endpoint);
  for (let start = 0; start < count; start += 128) {
    const puts = Array.from({ length: Math.min(128, count - start) }, (_, j) =>
      etcd.put(`${prefix}k${start + j}`).value(JSON.stringify({ n: start + j, name: 'value' })),
    );
    await etcd
      .if(`${prefix}none`, 'Version', '==', 0)
      .then(...puts)
      .commit();
  }
  etcd.close();
}

it('fan-out: 10 000 subscriptions over 1 000 keys add no etcd watcher (one for the prefix, one for release marks)', async () => {
  const prefix = uniquePrefix('fan');
  await fill(prefix, 1_000);
  const before = await server.metric('etcd_debugging_mvcc_watcher_total');
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix });
  await dials.ready();
  const subs = Array.from({ length: QUICK ? 1_000 : 10_000 }, (_, i) => dials.value$(`k${i % 1_000}`).subscribe(() => {}));
  const watchers = (await server.metric('etcd_debugging_mvcc_watcher_total')) - before;
  globalThis.gc?.();
  const heap = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  record(
    'scale',
    `etcd watchers for ${subs.length} subscriptions over 1 000 keys`,
    'watchers',
    [watchers],
    'the prefix, and /dials/in-progress/',
  );
  record('scale', 'client heap for 1 000 keys and those subscriptions', 'MB', [heap], 'heapUsed growth after GC');
  expect(watchers).toBe(2); // one for the prefix, one for release marks, whatever the subscriptions
  for (const s of subs) s.unsubscribe();
  await dials.close();
});

it('start-up: ready() on 10 000 and 100 000 keys against a raw etcd3 getAll of the same prefix', async () => {
  for (const count of QUICK ? [1_000] : [10_000, 100_000]) {
    const prefix = uniquePrefix('start');
    await fill(prefix, count);
    const raw: number[] = [];
    const dials: number[] = [];
    const heap: number[] = [];
    for (let r = 0; r < REPS; r++) {
      raw.push(await rawRead(prefix, count));
      const d = createDials({ source: etcdSource({ endpoints: server.endpoint, requestTimeoutMs: 60_000 }), prefix });
      const start = process.hrtime.bigint();
      await d.ready();
      dials.push(Number(process.hrtime.bigint() - start) / 1e6);
      await d.close();
      heap.push(await heapOfReady(prefix));
    }
    const rawFigure = record('start-up', `raw etcd3 getAll, ${count} keys`, 'ms', raw);
    const dialsFigure = record('start-up', `Dials ready(), ${count} keys`, 'ms', dials, 'paged read, decode, snapshot, watch');
    record(
      'start-up',
      `Dials heap after ready(), ${count} keys`,
      'MB',
      heap,
      'in a fresh process: heap after ready() less heap before, both after GC',
    );
    console.log(
      `start-up ${count}: Dials ${dialsFigure.median.toFixed(0)} ms vs raw ${rawFigure.median.toFixed(0)} ms (${(dialsFigure.median / rawFigure.median).toFixed(2)}×)`,
    );
  }
}, 600_000);

it('bulk write: 10 000 keys with publish (batched transactions) against 10 000 sequential puts', async () => {
  const count = QUICK ? 500 : 10_000;
  const source = etcdSource({ endpoints: server.endpoint, requestTimeoutMs: 60_000 });
  const etcd = rawClient(server.endpoint);
  const sequential: number[] = [];
  const batched: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : 3); r++) {
    const a = uniquePrefix('seq');
    let start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await etcd.put(`${a}k${i}`).value(String(i));
    sequential.push(Number(process.hrtime.bigint() - start) / 1e6);
    const b = uniquePrefix('pub');
    start = process.hrtime.bigint();
    await publishKeys(
      source,
      Array.from({ length: count }, (_, i) => ({ key: `${b}k${i}`, after: String(i) })),
      { message: 'bench' },
    );
    batched.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const s = record('bulk write', `${count} sequential puts`, 'ms', sequential);
  const p = record('bulk write', `publish of ${count} keys (transactions of 128, release recorded)`, 'ms', batched);
  console.log(`bulk: publish ${(s.median / p.median).toFixed(1)}× faster than sequential puts`);
  etcd.close();
  await source.close();
}, 600_000);
