import { createDials, etcdSource, publishKeys } from '@dials/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { opsPerSecond, QUICK, REPS, record, save } from './measure.js';

// Atomic releases: what the in-progress mark costs the writer, and what holding costs a reader.
let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start();
});
afterAll(async () => {
  save('release');
  await server.destroy();
});

const GROUP = 'atomic release';

it('a 5 000-change release: atomic against non-atomic publish, one emission for a subscriber', async () => {
  const count = QUICK ? 500 : 5_000;
  const source = etcdSource({ endpoints: server.endpoint, requestTimeoutMs: 60_000 });
  const atomic: number[] = [];
  const plain: number[] = [];
  const emissions: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : REPS); r++) {
    // Alternate which goes first so neither always meets a warmer etcd.
    for (const kind of r % 2 === 0 ? ['plain', 'atomic'] : ['atomic', 'plain']) {
      const prefix = uniquePrefix(`rel-${kind}`);
      const reader = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix });
      await reader.ready();
      let seen = 0;
      let sets = 0;
      const all = new Promise<void>((resolve) =>
        reader.changes$.subscribe((set) => {
          sets++;
          seen += set.changes.length;
          if (seen >= count) resolve();
        }),
      );
      const changes = Array.from({ length: count }, (_, i) => ({ key: `${prefix}k${i}`, after: String(i) }));
      const start = process.hrtime.bigint();
      await publishKeys(source, changes, { message: 'bench', atomic: kind === 'atomic' });
      (kind === 'atomic' ? atomic : plain).push(Number(process.hrtime.bigint() - start) / 1e6);
      await all;
      if (kind === 'atomic') emissions.push(sets);
      await reader.close();
    }
  }
  const p = record(GROUP, `publish of ${count} changes, not atomic (atomic: false)`, 'ms', plain);
  const a = record(GROUP, `publish of ${count} changes, atomic (in-progress mark)`, 'ms', atomic);
  record(GROUP, `changes$ emissions a subscriber sees for the atomic release`, 'emissions', emissions);
  console.log(`atomic release: ${(a.median / p.median).toFixed(2)}× the non-atomic publish`);
  expect(Math.max(...emissions)).toBe(1);
  await source.close();
}, 600_000);

it('get while a release is held costs what it costs otherwise', async () => {
  const prefix = uniquePrefix('held');
  const namespace = prefix.replace(/^\/|\/$/g, '');
  const etcd = rawClient(server.endpoint);
  await etcd.put(`${prefix}port`).value('1');
  const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix });
  await dials.ready();
  const ops = QUICK ? 1_000_000 : 20_000_000;
  const free = opsPerSecond(() => dials.get('port') === 1, ops);
  // A writer's mark (no lease: it stands until deleted), then a change the reader must hold.
  const mark = { release: 'bench', namespace, author: 'bench', at: new Date().toISOString(), changes: 2, transactions: 2 };
  await etcd.put(`/dials/in-progress/${namespace}`).value(JSON.stringify(mark));
  await etcd.put(`${prefix}port`).value('2');
  // Nothing is emitted while held, so there is no event to await: give the watch time to deliver.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(dials.get('port')).toBe(1);
  const held = opsPerSecond(() => dials.get('port') === 1, ops);
  const applied = new Promise<void>((resolve) => dials.changes$.subscribe(() => resolve()));
  await etcd.delete().key(`/dials/in-progress/${namespace}`);
  await applied;
  expect(dials.get('port')).toBe(2);
  const after = opsPerSecond(() => dials.get('port') === 2, ops);
  const f = record(GROUP, 'dials.get, nothing held', 'M reads/s', free);
  const h = record(GROUP, 'dials.get while a release is held', 'M reads/s', held);
  record(GROUP, 'dials.get, after the release applied', 'M reads/s', after, 'the same loop a third time: order effects show here');
  console.log(`get while held: ${(h.median / f.median).toFixed(2)}× the speed`);
  await dials.close();
  etcd.close();
}, 600_000);
