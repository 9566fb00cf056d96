import { createDials, type DialsError, etcdSource } from '@dials/core';
import { expect, inject, it, vi } from 'vitest';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');

it('a subscriber that throws neither stops the others nor crashes the process', async () => {
  const prefix = uniquePrefix('throw');
  const etcd = rawClient(endpoint);
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
  await dials.ready();
  const errors: DialsError[] = [];
  dials.errors$.subscribe((e) => errors.push(e));
  const thrower: unknown[] = [];
  const others: unknown[] = [];
  dials.value$('n').subscribe((v) => {
    thrower.push(v);
    if (v !== undefined) throw new Error(`boom on ${String(v)}`);
  });
  dials.value$('n').subscribe((v) => others.push(v));
  dials.changes$.subscribe(() => {
    throw new Error('changes subscriber fails too');
  });

  for (let i = 1; i <= 3; i++) {
    const seen = until(dials.value$('n'), (v) => v === i);
    await etcd.put(`${prefix}n`).value(String(i));
    await seen;
  }
  await vi.waitFor(() => expect(errors).toHaveLength(6)); // rxjs reports subscriber errors asynchronously
  expect(others).toEqual([undefined, 1, 2, 3]);
  expect(thrower).toEqual([undefined, 1, 2, 3]); // still subscribed after throwing
  expect(errors.map((e) => e.code)).toEqual(Array(6).fill('SUBSCRIBER'));
  expect(errors.map((e) => e.message)).toContain("A subscriber's callback threw: boom on 2");
  expect(dials.status).toBe('ready');
  await dials.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});
