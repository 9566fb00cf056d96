import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DialsError } from '../src/errors.js';
import { memorySource } from '../src/memory-source.js';
import { publishKeys } from '../src/publish.js';
import { getRelease, listReleases, matches, RELEASES_PREFIX, type Release, type ReleaseChange } from '../src/releases.js';
import { rollbackRelease } from '../src/rollback.js';
import { REDACTED } from '../src/secrets.js';
import type { Source } from '../src/types.js';
import { faulty } from './faulty.js';

const changes = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `/c/k${i}`, after: String(i) }));
const values = async (source: Source) => Object.fromEntries((await source.list('/c/')).kvs.map((kv) => [kv.key, kv.value]));

describe('truthful publish', () => {
  it('a failure after some transactions says how many changes were written, records them as partial, and rollback undoes them', async () => {
    const { source } = faulty({ failTxn: 3 });
    const error = (await publishKeys(source, changes(7), { namespace: 'c' }).catch((e: unknown) => e)) as DialsError;
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('3 of 7 changes were written');
    expect(error.message).toContain('partial');
    const [partial] = await listReleases(source, 'c');
    expect(partial).toMatchObject({ state: 'partial', planned: 7 });
    expect(partial?.changes.map((c) => c.key)).toEqual(['/c/k0', '/c/k1', '/c/k2']);
    await rollbackRelease(source, partial as Release);
    expect(await values(source)).toEqual({});
  });

  it('when even the record cannot be written, the plan stays as an interrupted release that rollback undoes', async () => {
    const { source, state } = faulty({ failTxn: 4 });
    state.failRecords = true;
    const error = (await publishKeys(source, changes(7), { namespace: 'c' }).catch((e: unknown) => e)) as DialsError;
    expect(error.message).toContain('6 of 7 changes were written');
    expect(error.message).toContain('interrupted');
    state.failRecords = false;
    const [interrupted] = await listReleases(source, 'c');
    expect(interrupted).toMatchObject({ state: 'interrupted' });
    expect(interrupted?.id).toMatch(/^pending-/);
    expect(interrupted?.changes).toHaveLength(7);
    const undo = await rollbackRelease(source, await getRelease(source, 'c', interrupted?.id as string));
    expect(undo.changes).toHaveLength(6);
    expect(await values(source)).toEqual({});
  });

  it('a record that cannot be written refuses the publish before anything is written', async () => {
    const source = memorySource();
    const denied: Source = {
      ...source,
      put: (key, value, o) =>
        key.startsWith(RELEASES_PREFIX)
          ? Promise.reject(new DialsError('PERMISSION_DENIED', `permission denied on ${key}`))
          : source.put(key, value, o),
    };
    await expect(publishKeys(denied, changes(2), { namespace: 'c' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('nothing was written'),
    });
    expect(await values(source)).toEqual({});
  });

  it('splits a record too large for one etcd request into parts, read back whole', async () => {
    const source = memorySource();
    const big = changes(200).map((c) => ({ ...c, after: JSON.stringify('x'.repeat(10_000)) }));
    const release = await publishKeys(source, big, { namespace: 'c' });
    const stored = await source.list(`${RELEASES_PREFIX}c/`);
    expect(stored.kvs.length).toBeGreaterThan(2);
    expect(Math.max(...stored.kvs.map((kv) => kv.value.length))).toBeLessThan(1024 * 1024);
    expect((await getRelease(source, 'c', release.id)).changes).toEqual(release.changes);
    expect((await listReleases(source, 'c'))[0]?.changes).toHaveLength(200);
  });

  it('refuses keys outside the namespace, and records the authenticated user as the author', async () => {
    const source = { ...memorySource(), user: 'ana' };
    await expect(publishKeys(source, [{ key: '/prod/x', after: '1' }], { namespace: 'dev' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect((await publishKeys(source, [{ key: '/dev/x', after: '1' }], { namespace: 'dev', author: 'mallory' })).author).toBe('ana');
  });
});

describe('release records', () => {
  it('leave secrets out (with their digest), and rollback reads the old secret from history', async () => {
    const source = memorySource({ initial: { '/c/db/password': '"old-pw"', '/c/database': '{"host":"a","password":"pw1"}' } });
    const release = await publishKeys(source, [
      { key: '/c/db/password', after: '"new-pw"' },
      { key: '/c/database', after: '{"host":"b","password":"pw2"}' },
    ]);
    const stored = JSON.stringify((await source.list(RELEASES_PREFIX)).kvs);
    for (const secret of ['old-pw', 'new-pw', 'pw1', 'pw2']) expect(stored).not.toContain(secret);
    expect(release.changes[0]).toMatchObject({ before: REDACTED, after: REDACTED, digests: { before: expect.any(String) } });
    await rollbackRelease(source, release);
    expect((await source.get('/c/db/password'))?.value).toBe('"old-pw"');
    expect((await source.get('/c/database'))?.value).toBe('{"host":"a","password":"pw1"}');
  });

  it("keep a secret's digest salted and slow (scrypt), and still read the SHA-256 digests of older records", async () => {
    const source = memorySource({ initial: { '/c/db/password': '"old-pw"' } });
    const first = await publishKeys(source, [{ key: '/c/db/password', after: '"pw"' }]);
    await publishKeys(source, [{ key: '/c/db/password', after: '"old-pw"' }]);
    const second = await publishKeys(source, [{ key: '/c/db/password', after: '"pw"' }]);
    const [a, b] = [first.changes[0]?.digests?.after, second.changes[0]?.digests?.after];
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b); // the same value, a different salt: no two records can be compared
    expect(a).not.toContain(createHash('sha256').update('"pw"').digest('hex'));
    const change = first.changes[0] as ReleaseChange;
    expect(matches(change, 'after', '"pw"')).toBe(true);
    expect(matches(change, 'after', '"guess"')).toBe(false);
    // A record written before digests were salted: plain SHA-256, hex.
    const old: ReleaseChange = {
      key: '/c/db/password',
      after: REDACTED,
      digests: { after: createHash('sha256').update('"pw"').digest('hex') },
    };
    expect(matches(old, 'after', '"pw"')).toBe(true);
    expect(matches(old, 'after', '"guess"')).toBe(false);
    // A forged digest that asks for an absurd cost is a mismatch, at once, not a hang.
    const forged = (a as string).replace('scrypt$32768$', 'scrypt$1073741824$');
    expect(matches({ ...change, digests: { after: forged } }, 'after', '"pw"')).toBe(false);
    // Large values (left out for size, not secrecy) keep a fast SHA-256.
    const large = 'x'.repeat(70_000);
    const big = await publishKeys(source, [{ key: '/c/blob', after: large }]);
    expect(big.changes[0]?.digests?.after).toBe(createHash('sha256').update(large).digest('hex'));
  });

  it('a forged record naming a key outside its namespace is refused, and nothing is written', async () => {
    const source = memorySource({ initial: { '/prod/db/host': '"prod-db"' } });
    const forged: Release = {
      id: '00000000000000000001',
      namespace: 'dev',
      author: 'mallory',
      message: '',
      at: '',
      revision: 1,
      changes: [{ key: '/prod/db/host', before: '"evil"', after: '"prod-db"' }],
    };
    await expect(rollbackRelease(source, forged)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', key: '/prod/db/host' });
    expect((await source.get('/prod/db/host'))?.value).toBe('"prod-db"');
  });

  it('a record that disagrees with etcd history is refused', async () => {
    const source = memorySource({ initial: { '/dev/a': '1' } });
    const real = await publishKeys(source, [{ key: '/dev/a', after: '2' }]);
    const forged = { ...real, changes: [{ key: '/dev/a', before: '"evil"', after: '2' }] };
    await expect(rollbackRelease(source, forged)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await source.get('/dev/a'))?.value).toBe('2');
  });

  it('one malformed record does not hide the others: it is skipped and reported', async () => {
    const source = memorySource();
    await publishKeys(source, [{ key: '/c/a', after: '1' }]);
    await source.put(`${RELEASES_PREFIX}c/00000000000000000099`, 'not json');
    await source.put(`${RELEASES_PREFIX}c/00000000000000000098`, '{"id":2}');
    const skipped: string[] = [];
    const releases = await listReleases(source, 'c', { onSkipped: (key, reason) => skipped.push(`${key.slice(-2)}: ${reason}`) });
    expect(releases).toHaveLength(1);
    expect(skipped.sort()).toEqual(['98: id is not text', expect.stringMatching(/^99: not JSON/)]);
  });
});
