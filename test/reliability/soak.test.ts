import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: 100 000 writes
});
afterAll(() => server.destroy());

const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
// The subscriber runs in its own process, with --expose-gc, so its heap can be measured honestly.
const subscriber = `
import { createHash } from 'node:crypto';
import { createDials, etcdSource } from ${JSON.stringify(core)};
const dials = createDials({ source: etcdSource({ endpoints: process.env.ENDPOINT }), prefix: process.env.PREFIX });
await dials.ready();
let events = 0;
for (let i = 0; i < 1000; i++) dials.value$('k' + i).subscribe(() => events++);
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
console.log(JSON.stringify({ ready: true, heap: heap() }));
process.stdin.once('data', async (data) => {
  const target = Number(data.toString());
  while (dials.revision < target) await new Promise((r) => setTimeout(r, 20));
  const values = dials.snapshot.values;
  const digest = createHash('sha1').update(JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]))).digest('hex');
  console.log(JSON.stringify({ heap: heap(), digest, keys: Object.keys(values).length, events }));
  await dials.close();
});
`;

it('10 000 keys changing at 1 000 writes a second for 10 s: the subscriber ends equal to etcd, and its memory does not grow', async () => {
  const prefix = uniquePrefix('soak');
  const etcd = rawClient(server.endpoint);
  for (let start = 0; start < 10_000; start += 100) {
    const puts = Array.from({ length: 100 }, (_, i) => etcd.put(`${prefix}k${start + i}`).value('0'));
    await etcd
      .if(`${prefix}none`, 'Version', '==', 0)
      .then(...puts)
      .commit();
  }
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', subscriber], {
    env: { ...process.env, ENDPOINT: server.endpoint, PREFIX: prefix },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const nextLine = () =>
    new Promise<Record<string, unknown>>((resolve) => {
      const onData = (d: Buffer) => {
        for (const line of d.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        if (lines.length > 0) {
          child.stdout.off('data', onData);
          resolve(lines.shift() as Record<string, unknown>);
        }
      };
      child.stdout.on('data', onData);
    });
  const ready = await nextLine();

  let revision = 0;
  let writes = 0;
  const started = Date.now();
  for (let tick = 0; tick < 100; tick++) {
    const keys = new Set<number>();
    while (keys.size < 100) keys.add(Math.floor(Math.random() * 10_000));
    const puts = [...keys].map((k) => etcd.put(`${prefix}k${k}`).value(String(tick * 100 + (writes++ % 100))));
    const result = await etcd
      .if(`${prefix}none`, 'Version', '==', 0)
      .then(...puts)
      .commit();
    revision = Number(result.header.revision);
    const due = started + (tick + 1) * 100; // 100 writes every 100 ms
    if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  console.log(`soak: ${writes} writes in ${Date.now() - started} ms`);
  child.stdin.write(String(revision));
  const done = await nextLine();
  const { kvs } = { kvs: Object.entries(await etcd.getAll().prefix(prefix).strings()) };
  const expected = createHash('sha1')
    .update(JSON.stringify(kvs.map(([k, v]) => [k.slice(prefix.length), Number(v)]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1))))
    .digest('hex');
  expect(done.keys).toBe(10_000);
  expect(done.digest).toBe(expected);
  const growth = (done.heap as number) - (ready.heap as number);
  console.log(
    `soak: heap ${((ready.heap as number) / 1e6).toFixed(1)} MB after load, ${((done.heap as number) / 1e6).toFixed(1)} MB after ${writes} writes (${(growth / 1e6).toFixed(1)} MB); ${String(done.events)} subscriber events`,
  );
  expect(growth).toBeLessThan(8 * 1024 * 1024); // a leak of a few hundred bytes per write would be 30+ MB
  etcd.close();
}, 120_000);
