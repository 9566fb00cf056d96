import { createDials, type DialsError, etcdSource, getRelease, publishKeys, rollbackRelease } from '@dials/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDials, runJson } from '../helpers/cli.js';
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

  it('the CLI shows bytes as their size and base64, diffs them by bytes, syncs them byte for byte, and export refuses them', async () => {
    const p = uniquePrefix('cli-bytes');
    const original = bytes([0xe9, 0x00, 0x1b, 0x41]);
    await etcd.put(`${p}a/bin`).value(original);
    await etcd.put(`${p}b/bin`).value('é\u0000\u001bA'); // the same characters as UTF-8 text: other bytes
    const got = await runDials(endpoint, ['get', `${p}a/bin`]);
    expect(got.stdout.trim()).toBe(`<4 bytes, not UTF-8: base64 ${original.toString('base64')}>`);
    expect((await runJson(endpoint, ['get', `${p}a/bin`])).data).toMatchObject({ binary: true, base64: original.toString('base64') });
    expect((await runDials(endpoint, ['ls', p])).stdout).toContain('bin = <4 bytes, not UTF-8');
    const diff = await runJson(endpoint, ['diff', `${p}a/`, `${p}b/`]);
    expect(diff.data.differ.map((d: { path: string }) => d.path)).toEqual(['bin']);
    expect((await runDials(endpoint, ['sync', `${p}a/`, `${p}b/`, '--apply'])).code).toBe(0);
    expect(await etcd.get(`${p}b/bin`).buffer()).toEqual(original);
    expect((await runJson(endpoint, ['diff', `${p}a/`, `${p}b/`])).data.same).toBe(1);
    const exported = await runDials(endpoint, ['export', `${p}a/`]);
    expect(exported.code).toBe(2);
    expect(exported.stderr).toContain(`${p}a/bin holds bytes that are not UTF-8`);
  });
});
