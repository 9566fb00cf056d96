import { createDials, type DialsError, etcdSource } from '@dials/core';
import { expect, inject, it } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');

it('keeps the last good value when a new one fails its schema, reports it, and applies a later good one', async () => {
  const prefix = uniquePrefix('schema');
  const etcd = rawClient(endpoint);
  await etcd.put(`${prefix}database/port`).value('5432');
  const dials = createDials({
    source: etcdSource({ endpoints: endpoint }),
    prefix,
    schema: { 'database/port': z.coerce.number().int().min(1).max(65535) },
  });
  await dials.ready();
  const ports: unknown[] = [];
  dials.value$('database/port').subscribe((p) => ports.push(p));

  const reported = until(dials.errors$, (e) => e.code === 'INVALID_VALUE');
  await etcd.put(`${prefix}database/port`).value('not-a-port');
  const error: DialsError = await reported;
  expect(error.key).toBe(`${prefix}database/port`);
  expect(error.raw).toBe('not-a-port');
  expect(error.issues?.length).toBeGreaterThan(0);
  expect(error.message).toContain(`${prefix}database/port`);
  expect(error.message).toContain('5432'); // says which value stays
  expect(dials.get('database/port')).toBe(5432);

  const outOfRange = until(dials.errors$, (e) => e.raw === '70000');
  await etcd.put(`${prefix}database/port`).value('70000');
  await outOfRange;
  expect(dials.get('database/port')).toBe(5432);

  const applied = until(dials.value$('database/port'), (p) => p === 6543);
  await etcd.put(`${prefix}database/port`).value('6543');
  await applied;
  expect(ports).toEqual([5432, 6543]);
  expect(dials.status).toBe('ready');
  await dials.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});

it('reports invalid JSON text for a schema that wants an object, naming the key', async () => {
  const prefix = uniquePrefix('schema');
  const etcd = rawClient(endpoint);
  await etcd.put(`${prefix}limits`).value('{"rps": 10}');
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix, schema: { limits: z.object({ rps: z.number() }) } });
  await dials.ready();
  const reported = until(dials.errors$, (e) => e.code === 'INVALID_VALUE');
  await etcd.put(`${prefix}limits`).value('{"rps": 10,');
  expect((await reported).key).toBe(`${prefix}limits`);
  expect(dials.get('limits')).toEqual({ rps: 10 });
  await dials.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});
