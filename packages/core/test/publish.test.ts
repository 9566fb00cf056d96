import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configChanges } from '../src/config-changes.js';
import { createDials } from '../src/dials.js';
import { isDialsError } from '../src/errors.js';
import { fileSource } from '../src/file-source.js';
import { memorySource } from '../src/memory-source.js';
import { publishKeys } from '../src/publish.js';
import { getRelease, listReleases } from '../src/releases.js';
import { rollbackRelease } from '../src/rollback.js';
import type { Source, TxnOp } from '../src/types.js';

/** A memory source that counts its transactions. */
function counted(maxTxnOps: number): { source: Source; txns: TxnOp[][] } {
  const source = memorySource({ maxTxnOps });
  const txns: TxnOp[][] = [];
  const inner = source.transactions!;
  return {
    txns,
    source: {
      ...source,
      transactions: {
        maxOps: inner.maxOps,
        maxBytes: inner.maxBytes,
        txn: (ops, compare) => {
          txns.push([...ops]);
          return inner.txn(ops, compare);
        },
      },
    },
  };
}

describe('publishKeys on the memory source', () => {
  it('writes in transactions of at most maxOps and records one release with every before and after', async () => {
    const { source, txns } = counted(3);
    await source.put('/c/k0', '"old"');
    const changes = Array.from({ length: 7 }, (_, i) => ({ key: `/c/k${i}`, after: String(i) }));
    const release = await publishKeys(source, changes, { namespace: 'c', author: 'ana', message: 'seven' });
    // First the mark that tells readers to hold the release until it is whole, then the changes.
    expect(txns.map((t) => t.length)).toEqual([1, 3, 3, 1]);
    expect(txns[0]?.[0]).toMatchObject({ type: 'put', key: '/dials/in-progress/c' });
    expect(await source.get('/dials/in-progress/c')).toBeUndefined(); // gone once written
    expect(release).toMatchObject({ namespace: 'c', author: 'ana', message: 'seven' });
    expect(release.changes[0]).toEqual({ key: '/c/k0', before: '"old"', after: '0' });
    expect(await listReleases(source, 'c')).toEqual([release]);
    expect(await getRelease(source, 'c', String(release.revision))).toEqual(release);
  });

  it('refuses with CONFLICT, naming the key, when the guarded prefix moved after expectRevision, and writes nothing', async () => {
    const source = memorySource();
    const { revision } = await source.put('/c/a', '1');
    await source.put('/c/b', '2');
    const attempt = publishKeys(source, [{ key: '/c/a', after: '5' }], { guardPrefix: '/c/', expectRevision: revision });
    await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT', key: '/c/b' });
    expect((await source.get('/c/a'))?.value).toBe('1');
  });

  it('rolls a release back as a release of its own', async () => {
    const source = memorySource({ initial: { '/c/a': 1 } });
    const release = await publishKeys(source, [
      { key: '/c/a', after: '2' },
      { key: '/c/new', after: '"x"' },
    ]);
    const undo = await rollbackRelease(source, release);
    expect(undo.rollbackOf).toBe(release.id);
    expect((await source.get('/c/a'))?.value).toBe('1');
    expect(await source.get('/c/new')).toBeUndefined();
  });

  it('binds a temporary override to a lease on a source that has leases', async () => {
    const source = memorySource();
    const release = await publishKeys(source, [{ key: '/c/t', after: '1' }], { ttlMs: 60_000 });
    expect(release.ttlMs).toBe(60_000);
    expect((await source.get('/c/t'))?.lease).not.toBe('0');
  });

  it('fails with UNSUPPORTED, naming transactions and the source, on a file source', async () => {
    const error = await publishKeys(fileSource('/nonexistent/dials.yaml'), [{ key: 'a', after: '1' }]).catch((e: unknown) => e);
    expect(isDialsError(error) && error.code).toBe('UNSUPPORTED');
    expect(String(error)).toContain('transactions');
    expect(String(error)).toContain('/nonexistent/dials.yaml');
  });
});

describe('configChanges: publish validation', () => {
  const schemaOf = (path: string) => (path === 'port' ? z.coerce.number().int() : undefined);

  it('turns values, raw text and deletes into full keys', () => {
    expect(configChanges('/c/', { port: 5432, host: 'db', gone: undefined }, schemaOf)).toEqual([
      { key: '/c/port', after: '5432' },
      { key: '/c/host', after: '"db"' },
      { key: '/c/gone', after: undefined },
    ]);
    expect(configChanges('/c/', [{ path: 'port', raw: '5432' }], schemaOf)).toEqual([{ key: '/c/port', after: '5432' }]);
  });

  it('refuses the whole publish when one value fails its schema, naming the key', async () => {
    expect(() => configChanges('/c/', { host: 'db', port: 'abc' }, schemaOf)).toThrow('/c/port = "abc" fails its schema');
    const source = memorySource();
    const dials = createDials({ source, prefix: '/c/', schema: { port: z.coerce.number().int() } });
    await dials.ready();
    await expect(dials.publish({ host: 'db', port: 'abc' })).rejects.toMatchObject({ code: 'INVALID_VALUE', key: '/c/port' });
    expect((await source.list('/c/')).kvs).toEqual([]);
    await dials.close();
  });
});

describe('a publish that changes nothing', () => {
  it('writes and records nothing, and says so with an empty release', async () => {
    const source = memorySource({ initial: { '/c/a': 1 } });
    const before = (await source.get('/c/a'))?.modRevision;
    const release = await publishKeys(source, [
      { key: '/c/a', after: '1' },
      { key: '/c/gone', after: undefined },
    ]);
    expect(release).toMatchObject({ id: '', changes: [] });
    expect((await source.get('/c/a'))?.modRevision).toBe(before);
    expect(await listReleases(source, 'c')).toEqual([]);
    const mixed = await publishKeys(source, [
      { key: '/c/a', after: '1' },
      { key: '/c/b', after: '2' },
    ]);
    expect(mixed.changes).toEqual([{ key: '/c/b', before: undefined, after: '2' }]);
  });
});
