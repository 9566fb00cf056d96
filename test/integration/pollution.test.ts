import { createDials, type DialsError, etcdSource } from '@dials/core';
import { expect, inject, it } from 'vitest';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');

it('config paths like __proto__/polluted cannot pollute objects through config$', async () => {
  const prefix = uniquePrefix('proto');
  const etcd = rawClient(endpoint);
  await etcd.put(`${prefix}__proto__/polluted`).value('true');
  await etcd.put(`${prefix}constructor/prototype/x`).value('"evil"');
  await etcd.put(`${prefix}safe/__proto__`).value('{"polluted": true}');
  await etcd.put(`${prefix}json`).value('{"__proto__": {"polluted": true}}');
  await etcd.put(`${prefix}app/name`).value('"shop"');
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
  const errors: DialsError[] = [];
  dials.errors$.subscribe((e) => errors.push(e));
  await dials.ready();
  const configs: unknown[] = [];
  dials.config$.subscribe((c) => configs.push(c));
  await etcd.put(`${prefix}prototype/y`).value('1');
  await until(dials.config$, () => configs.length >= 2);

  const plain: Record<string, unknown> = {};
  expect(plain.polluted).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).x).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'y')).toBe(false);
  const config = dials.config as Record<string, Record<string, unknown>>;
  expect(config.app?.name).toBe('shop');
  expect(Object.keys(config).sort()).toEqual(['app', 'json']); // unsafe paths are left out whole
  expect(Object.getPrototypeOf(config)).toBeNull();
  expect(Object.isFrozen(config)).toBe(true);
  // A merge that a user might write cannot reach a prototype either.
  const merged = Object.assign({}, config.json) as Record<string, unknown>;
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(merged).toBeDefined();
  // The flat view still reads them, and each is reported once.
  expect(dials.get('__proto__/polluted')).toBe(true);
  expect(
    errors
      .filter((e) => e.code === 'UNSAFE_KEY')
      .map((e) => e.key)
      .sort(),
  ).toEqual([`${prefix}__proto__/polluted`, `${prefix}constructor/prototype/x`, `${prefix}prototype/y`, `${prefix}safe/__proto__`].sort());
  await dials.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});
