import { createDials, type DialsError, etcdSource, getRelease, publishKeys, rollbackRelease } from '@dials/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
let prefix: string;
beforeAll(() => {
  prefix = uniquePrefix('bytes');
});
afterAll(async () => {
  await etcd.delete().prefix(prefix);
  etcd.close();
});

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('keys and values that are not UTF-8', () => {
  it('two keys that differ only in invalid bytes never merge: both are left out and named; a binary value is refused, not mangled', async () => {
    await etcd.put(bytes(prefix, 'a', [0xff])).value('1');
    await etcd.put(bytes(prefix, 'a', [0xfe])).value('2');
    await etcd.put(`${prefix}ok`).value('3');
    await etcd.put(`${prefix}bin`).value(bytes([0xff, 0x00, 0x41]));
    const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
    const errors: DialsError[] = [];
    dials.errors$.subscribe((e) => errors.push(e));
    await dials.ready();
    expect(dials.snapshot.values).toEqual({ ok: 3 });
    const unsafe = errors.filter((e) => e.code === 'UNSAFE_KEY').map((e) => e.key);
    expect(unsafe.sort()).toEqual([`${prefix}a\\xfe`, `${prefix}a\\xff`]);
    expect(dials.refused).toMatchObject([{ path: 'bin', reason: 'invalid', message: 'the value is not UTF-8 text' }]);
    await dials.close();
  });

  it('a copy and a rollback carry a binary value byte for byte', async () => {
    const source = etcdSource({ endpoints: endpoint });
    const original = bytes([0xc3, 0x28, 0x00, 0xff, 0x41]);
    await etcd.put(`${prefix}src`).value(original);
    const kv = await source.get(`${prefix}src`);
    expect(kv?.binary).toBe(true);
    const release = await publishKeys(source, [{ key: `${prefix}copy`, after: kv?.value, binary: true }], {
      namespace: prefix.slice(1, -1),
    });
    expect(await etcd.get(`${prefix}copy`).buffer()).toEqual(original);
    await publishKeys(source, [{ key: `${prefix}src`, after: '"text now"' }], { namespace: prefix.slice(1, -1) });
    const latest = await getRelease(source, prefix.slice(1, -1), String((await source.get(`${prefix}src`))?.modRevision));
    await rollbackRelease(source, latest);
    expect(await etcd.get(`${prefix}src`).buffer()).toEqual(original);
    expect(release.changes[0]).toMatchObject({ binary: { after: true } });
    await source.close();
  });
});
