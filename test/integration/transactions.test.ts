import { createDials, etcdSource } from '@dials/core';
import { expect, inject, it } from 'vitest';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');

it('delivers a 50-key transaction as one revision: no subscriber sees half of it', async () => {
  const prefix = uniquePrefix('txn');
  const etcd = rawClient(endpoint);
  const keys = Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(2, '0')}`);
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
  await dials.ready();

  const torn: string[] = [];
  const revisions: number[] = [];
  const check = (round: unknown) => {
    for (const key of keys) {
      const value = dials.get(key);
      if (value !== round) torn.push(`${key}=${String(value)} while round ${String(round)}`);
    }
  };
  // Subscribers on the first, a middle and the last key check every other key at each emission.
  const subs = ['k00', 'k25', 'k49'].map((k) => dials.value$(k).subscribe((round) => round !== undefined && check(round)));
  subs.push(
    dials.changes$.subscribe((set) => {
      revisions.push(set.revision);
      expect(set.changes).toHaveLength(50);
      check(set.changes[0]?.value);
    }),
  );

  const rounds = 5;
  const last = new Promise<void>((resolve) => {
    const sub = dials.value$('k49').subscribe((v) => {
      if (v === rounds) {
        resolve();
        sub.unsubscribe();
      }
    });
  });
  for (let round = 1; round <= rounds; round++) {
    const txn = etcd
      .if(`${prefix}k00`, 'Mod', '<', Number.MAX_SAFE_INTEGER)
      .then(...keys.map((k) => etcd.put(`${prefix}${k}`).value(String(round))));
    await txn.commit();
  }
  await last;

  expect(torn).toEqual([]);
  expect(revisions).toHaveLength(rounds);
  expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
  for (const s of subs) s.unsubscribe();
  await dials.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});
