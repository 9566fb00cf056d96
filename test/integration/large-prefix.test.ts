import { createDials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd, so 100 000 keys do not slow the others
});
afterAll(() => server.destroy());

it('loads a prefix of 100 000 keys (12 MB, three times gRPC default 4 MiB limit) in pages', async () => {
  const prefix = uniquePrefix('large');
  const etcd = rawClient(server.endpoint);
  const value = JSON.stringify('v'.repeat(100));
  const total = 100_000;
  for (let start = 0; start < total; start += 128) {
    const puts = [];
    for (let i = start; i < Math.min(total, start + 128); i++) puts.push(etcd.put(`${prefix}k${i}`).value(value));
    await etcd
      .if(`${prefix}none`, 'Version', '==', 0)
      .then(...puts)
      .commit();
  }
  const dials = createDials({ source: etcdSource({ endpoints: server.endpoint, requestTimeoutMs: 20_000 }), prefix });
  await dials.ready();
  expect(Object.keys(dials.snapshot.values)).toHaveLength(total);
  expect(dials.get('k0')).toBe('v'.repeat(100));
  expect(dials.get(`k${total - 1}`)).toBe('v'.repeat(100));
  await dials.close();
  etcd.close();
}, 120_000);

it('a first load in many pages, decoded while later pages arrive, applies exactly what one read does', async () => {
  const base = uniquePrefix('paged-base');
  const override = uniquePrefix('paged-override');
  const etcd = rawClient(server.endpoint);
  for (let i = 0; i < 60; i++) await etcd.put(`${base}k${i}`).value(JSON.stringify({ n: i }));
  await etcd.put(`${base}port`).value('5432');
  await etcd.put(`${base}bad`).value('"not a number"'); // sorts first: in the first page
  await etcd.put(`${override}k3`).value('"from override"');
  await etcd.put(`${override}k40`).value('"from override"');
  const schema = { port: z.coerce.number(), bad: z.number() };

  const open = (pageSize: number) => {
    const source = etcdSource({ endpoints: server.endpoint, pageSize });
    const list = source.list.bind(source);
    const pages = { early: 0 };
    source.list = (prefix, onPage) =>
      list(
        prefix,
        onPage &&
          ((kvs, offset) => {
            pages.early++;
            onPage(kvs, offset);
          }),
      );
    const dials = createDials({ source, layers: [base, override], schema });
    const errors: string[] = [];
    dials.errors$.subscribe((e) => errors.push(`${e.code} ${e.message}`));
    // The last change per path (the two layers may load in either order, so the sequence varies).
    const changes: Record<string, unknown> = {};
    dials.changes$.subscribe((c) => {
      for (const change of c.changes) changes[change.path] = change.value;
    });
    return { dials, errors, changes, pages };
  };
  const paged = open(7);
  const whole = open(1_000);
  await Promise.all([paged.dials.ready(), whole.dials.ready()]);

  expect(paged.pages.early).toBeGreaterThan(5); // the base layer's 62 keys came in 9 pages, 8 decoded early
  expect(whole.pages.early).toBe(0);
  expect(paged.dials.snapshot.values).toEqual(whole.dials.snapshot.values);
  expect(paged.dials.get('k3')).toBe('from override');
  expect(paged.dials.get('k5')).toEqual({ n: 5 });
  expect(paged.dials.get('port')).toBe(5432);
  expect(paged.dials.get('bad')).toBeUndefined();
  expect(paged.errors).toEqual(whole.errors);
  expect(paged.errors.join('\n')).toMatch(new RegExp(`INVALID_VALUE .*${base}bad`));
  expect(paged.changes).toEqual(whole.changes);
  expect(paged.changes).toEqual({ ...paged.dials.snapshot.values });
  await Promise.all([paged.dials.close(), whole.dials.close()]);
  await etcd.delete().prefix(base);
  await etcd.delete().prefix(override);
  etcd.close();
});

it('lists the keys of a prefix without their values (keys_only), in pages at one revision, a non-UTF-8 key named apart', async () => {
  const prefix = uniquePrefix('keys-only');
  const etcd = rawClient(server.endpoint);
  // 6 MB of values: one answer with them would be over gRPC's 4 MiB.
  for (let i = 0; i < 6; i++) await etcd.put(`${prefix}big/${i}`).value('x'.repeat(1_000_000));
  for (let i = 0; i < 20; i++) await etcd.put(`${prefix}small/${String(i).padStart(2, '0')}`).value('1');
  await etcd.put(Buffer.concat([Buffer.from(`${prefix}bad-`), Buffer.from([0xff])])).value('1');
  const source = etcdSource({ endpoints: server.endpoint, pageSize: 8 });
  // Every range etcd answers, with the bytes of values in it; a key written after the first page.
  const pages: { keysOnly: boolean; valueBytes: number }[] = [];
  const range = source.client.kv.range.bind(source.client.kv);
  source.client.kv.range = async (req, options) => {
    const res = await range(req, options);
    pages.push({ keysOnly: req.keys_only === true, valueBytes: res.kvs.reduce((n, kv) => n + kv.value.length, 0) });
    if (pages.length === 1) await etcd.put(`${prefix}small/99`).value('late');
    return res;
  };
  const listing = await source.listKeys(prefix);
  expect(listing.keys).toEqual([
    ...Array.from({ length: 6 }, (_, i) => `${prefix}big/${i}`),
    ...Array.from({ length: 20 }, (_, i) => `${prefix}small/${String(i).padStart(2, '0')}`),
  ]);
  expect(listing.invalidKeys).toEqual([`${prefix}bad-\\xff`]);
  expect(pages).toEqual(Array.from({ length: 4 }, () => ({ keysOnly: true, valueBytes: 0 })));
  expect((await source.list(prefix)).revision).toBe(listing.revision + 1); // the late key came after
  await source.close();
  etcd.close();
}, 60_000);
