import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ChangeSet, createDials, DialsError, memorySource } from '../src/index.js';

describe('memorySource', () => {
  it('has etcd semantics: revisions, versions, transactions with compare, prefix deletes', async () => {
    const source = memorySource();
    const a = await source.put('/app/a', '1');
    const b = await source.put('/app/a', '2');
    expect(b.revision).toBe(a.revision + 1);
    const kv = await source.get('/app/a');
    expect(kv).toMatchObject({ value: '2', version: 2, createRevision: a.revision, modRevision: b.revision });
    expect(
      await source.transactions!.txn([{ type: 'put', key: '/app/b', value: '3' }], [{ key: '/app/a', modRevision: a.revision }]),
    ).toMatchObject({
      succeeded: false,
    });
    expect(await source.get('/app/b')).toBeUndefined();
    const ok = await source.transactions!.txn(
      [
        { type: 'put', key: '/app/b', value: '3' },
        { type: 'put', key: '/app/c', value: '4' },
      ],
      [{ key: '/app/a', modRevision: b.revision }],
    );
    expect(ok).toEqual({ succeeded: true, revision: b.revision + 1 }); // one transaction, one revision
    expect((await source.list('/app/')).kvs.map((k) => k.key)).toEqual(['/app/a', '/app/b', '/app/c']);
    expect(await source.deletePrefix('/app/')).toMatchObject({ deleted: 3 });
    await source.close();
    await expect(source.get('/app/a')).rejects.toBeInstanceOf(DialsError);
  });

  it('deletes a key bound to a TTL when it expires', async () => {
    const source = memorySource();
    const dials = createDials({ source, prefix: '/app/' });
    await dials.ready();
    await source.put('/app/level', '"debug"', { ttlMs: 30 });
    expect(dials.get('level')).toBe('debug');
    const gone = new Promise<ChangeSet>((resolve) => dials.changes$.subscribe(resolve));
    expect((await gone).changes[0]).toMatchObject({ path: 'level', type: 'delete' });
    await dials.close();
  });
});

describe('createDials on a memory source', () => {
  it('lets later layers override earlier ones, and shows the earlier one again when removed', async () => {
    const source = memorySource({ initial: { '/c/base/db/host': 'base-db', '/c/base/db/port': 5432, '/c/prod/db/host': 'prod-db' } });
    const dials = createDials({ source, layers: ['/c/base/', '/c/prod/'], schema: { 'db/port': z.number() } });
    await dials.ready();
    expect(dials.get('db/host')).toBe('prod-db');
    expect(dials.get('db/port')).toBe(5432);
    const hosts: unknown[] = [];
    dials.value$('db/host').subscribe((h) => hosts.push(h));
    await source.delete('/c/prod/db/host');
    await source.put('/c/base/db/port', '6543');
    await source.put('/c/prod/other', '1');
    expect(hosts).toEqual(['prod-db', 'base-db']);
    expect(dials.snapshot.values).toEqual({ 'db/host': 'base-db', 'db/port': 6543, other: 1 });
    // A change in an overridden layer does not reach subscribers.
    await source.put('/c/prod/db/host', '"prod-2"');
    await source.put('/c/base/db/host', '"base-2"');
    expect(hosts).toEqual(['prod-db', 'base-db', 'prod-2']);
    await dials.close();
  });

  it('gives the same snapshot and config objects until a change, then new frozen ones', async () => {
    const source = memorySource({ initial: { '/a/x/y': 1 } });
    const dials = createDials({ source, prefix: '/a/' });
    await dials.ready();
    const snap = dials.snapshot;
    const config = dials.config;
    expect(dials.snapshot).toBe(snap);
    expect(dials.config).toBe(config);
    expect(config.x).toEqual({ y: 1 });
    expect(Object.isFrozen(config.x)).toBe(true);
    await source.put('/a/x/z', '{"deep": [1, 2]}');
    expect(dials.snapshot).not.toBe(snap);
    expect(dials.snapshot.revision).toBeGreaterThan(snap.revision);
    expect(snap.values).toEqual({ 'x/y': 1 }); // the old one is untouched
    const deep = dials.get<{ deep: number[] }>('x/z');
    expect(Object.isFrozen(deep?.deep)).toBe(true);
    await dials.close();
  });

  it('rejects options that cannot work', () => {
    expect(() => createDials({ source: memorySource() })).toThrow(/prefix/);
    expect(() => createDials({ source: memorySource(), layers: ['/a/', '/a/'] })).toThrow(/twice/);
  });

  it('completes value$ subscribers and refuses fetch after close()', async () => {
    const dials = createDials({ source: memorySource(), prefix: '/a/' });
    await dials.ready();
    let completed = false;
    dials.value$('x').subscribe({ complete: () => (completed = true) });
    await dials.close();
    expect(completed).toBe(true);
    await expect(dials.fetch('/other')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('closes a shared source only when its last user closes', async () => {
    const source = memorySource({ initial: { '/a/k': 1 } });
    const one = createDials({ source, prefix: '/a/' });
    const two = createDials({ source, prefix: '/a/' });
    await Promise.all([one.ready(), two.ready()]);
    await one.close();
    await source.put('/a/k', '2');
    expect(two.get('k')).toBe(2);
    await two.close();
    await expect(source.get('/a/k')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
