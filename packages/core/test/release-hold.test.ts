import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDials } from '../src/dials.js';
import type { ChangeSet } from '../src/dials-options.js';
import { IN_PROGRESS_PREFIX } from '../src/in-progress.js';
import { MAX_HOLD_MS } from '../src/internal/release-hold.js';
import { memorySource } from '../src/memory-source.js';
import { publishKeys } from '../src/publish.js';

const prefix = '/config/shop/prod/';
const changes = (n: number, value: string) =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}k${i}`, after: JSON.stringify(value) }));

/** A reader that records each change set and the values it saw after each. */
async function reader(source: ReturnType<typeof memorySource>, holdReleases = true) {
  const dials = createDials({ source, prefix, holdReleases });
  await dials.ready();
  const sets: ChangeSet[] = [];
  const views: string[][] = [];
  dials.changes$.subscribe((set) => {
    sets.push(set);
    views.push([...new Set(Object.values(dials.snapshot.values) as string[])]);
  });
  return { dials, sets, views };
}

afterEach(() => vi.useRealTimers());

describe('a release of several transactions, held until it is whole', () => {
  it('reaches a reader as one change set: every view it sees is all old or all new', async () => {
    const source = memorySource({ maxTxnOps: 10, initial: Object.fromEntries(changes(95, 'old').map((c) => [c.key, c.after])) });
    const { dials, sets, views } = await reader(source);
    const release = await publishKeys(source, changes(95, 'new'), { namespace: 'config/shop/prod' });
    expect(release.changes).toHaveLength(95);
    expect(sets).toHaveLength(1);
    expect(sets[0]?.changes).toHaveLength(95);
    expect(views).toEqual([['new']]);
    expect(sets[0]?.revision).toBeGreaterThanOrEqual(release.revision); // the revision of the read that brought it
    await dials.close();
  });

  it('without holding (holdReleases: false) a reader sees each transaction: the test above can fail', async () => {
    const source = memorySource({ maxTxnOps: 10, initial: Object.fromEntries(changes(95, 'old').map((c) => [c.key, c.after])) });
    const { dials, sets, views } = await reader(source, false);
    await publishKeys(source, changes(95, 'new'), { namespace: 'config/shop/prod' });
    expect(sets).toHaveLength(10);
    expect(views[0]?.sort()).toEqual(['new', 'old']);
    await dials.close();
  });

  it('a writer that dies: its mark goes with its lease, and readers apply what etcd holds, at once', async () => {
    const source = memorySource({ initial: { [`${prefix}a`]: '1', [`${prefix}b`]: '1' } });
    const { dials, sets } = await reader(source);
    const lease = await (source.leases as NonNullable<typeof source.leases>).keepAlive(10_000);
    await source.put(`${IN_PROGRESS_PREFIX}config/shop/prod`, JSON.stringify({ release: 'pending-x' }), { lease: lease.id });
    await source.put(`${prefix}a`, '2'); // the first transaction; the writer dies before the second
    await source.put(`${prefix}unrelated`, '"x"'); // another writer's change is held with it
    expect(dials.get('a')).toBe(1);
    expect(sets).toEqual([]);
    await lease.revoke();
    await vi.waitFor(() => expect(sets).toHaveLength(1));
    expect(sets[0]?.changes.map((c) => c.path).sort()).toEqual(['a', 'unrelated']);
    expect(dials.get('a')).toBe(2);
    await dials.close();
  });

  it('a mark that stands too long (a hung writer) is given up: what etcd holds is applied, and said on errors$', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const source = memorySource({ initial: { [`${prefix}a`]: '1' } });
    const { dials, sets } = await reader(source);
    const errors: string[] = [];
    dials.errors$.subscribe((e) => errors.push(e.code));
    await source.put(`${IN_PROGRESS_PREFIX}config/shop/prod`, JSON.stringify({ release: 'pending-x' }));
    await source.put(`${prefix}a`, '2');
    await vi.advanceTimersByTimeAsync(MAX_HOLD_MS - 1);
    expect(dials.get('a')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(dials.get('a')).toBe(2));
    expect(errors).toEqual(['TIMEOUT']);
    // Given up on: later changes under the same mark apply as they come.
    await source.put(`${prefix}a`, '3');
    expect(dials.get('a')).toBe(3);
    expect(sets).toHaveLength(2);
    await dials.close();
  });

  it('a mark in another namespace holds nothing here; one above this prefix (config/shop) does', async () => {
    const source = memorySource({ initial: { [`${prefix}a`]: '1' } });
    const { dials } = await reader(source);
    await source.put(`${IN_PROGRESS_PREFIX}config/billing/prod`, '{"release":"x"}');
    await source.put(`${prefix}a`, '2');
    expect(dials.get('a')).toBe(2);
    await source.put(`${IN_PROGRESS_PREFIX}config/shop`, '{"release":"y"}');
    await source.put(`${prefix}a`, '3');
    expect(dials.get('a')).toBe(2);
    await source.delete(`${IN_PROGRESS_PREFIX}config/shop`);
    await vi.waitFor(() => expect(dials.get('a')).toBe(3));
    await dials.close();
  });

  it('two large releases in one namespace never interleave: the second is refused while the first is marked', async () => {
    const source = memorySource({ maxTxnOps: 2 });
    await source.put(`${IN_PROGRESS_PREFIX}config/shop/prod`, JSON.stringify({ release: 'pending-1', author: 'ana', at: 'now' }));
    await expect(publishKeys(source, changes(5, 'x'), { namespace: 'config/shop/prod' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('Release pending-1 by ana is being written'),
    });
    expect((await source.list(prefix)).kvs).toEqual([]);
    expect((await source.list('/dials/releases/')).kvs).toEqual([]); // its plan is gone too
  });
});
