import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDials } from '../src/dials.js';
import type { ChangeSet, DialsOptions } from '../src/dials-options.js';
import { IN_PROGRESS_PREFIX } from '../src/in-progress.js';
import { CATCH_UP_MS } from '../src/internal/release-hold.js';
import { memorySource } from '../src/memory-source.js';
import type { Source, WatchBatch } from '../src/types.js';

// The mark and the keys come on different etcd watch streams. Here the mark watch is made to lag
// behind the keys (as etcd may, while it catches a watch up), to show what each mode does then.
const prefix = '/config/shop/prod/';
const MARK = `${IN_PROGRESS_PREFIX}config/shop/prod`;

/** A memory source whose mark watch delivers its batches only when `deliverMarks()` is called. */
function laggingMarks() {
  const raw = memorySource({ initial: { [`${prefix}a`]: '1', [`${prefix}b`]: '1' } });
  const late: (() => void)[] = [];
  const source: Source = {
    ...raw,
    watchesInOrder: false,
    watch: (watched, listener) =>
      raw.watch(
        watched,
        watched !== IN_PROGRESS_PREFIX ? listener : { ...listener, batch: (batch: WatchBatch) => late.push(() => listener.batch(batch)) },
      ),
  };
  const deliverMarks = () => {
    for (const send of late.splice(0)) send();
  };
  return { raw, source, deliverMarks };
}

async function reader(source: Source, holdReleases: DialsOptions['holdReleases']) {
  const dials = createDials({ source, prefix, holdReleases });
  await dials.ready();
  const sets: ChangeSet[] = [];
  const errors: string[] = [];
  dials.changes$.subscribe((set) => sets.push(set));
  dials.errors$.subscribe((error) => errors.push(error.code));
  return { dials, sets, errors };
}

/** A release of two transactions: the mark, a, b, then the mark goes. */
async function release(raw: ReturnType<typeof memorySource>) {
  await raw.put(MARK, '{"release":"pending-x"}');
  await raw.put(`${prefix}a`, '2');
  await raw.put(`${prefix}b`, '2');
  await raw.delete(MARK);
}

afterEach(() => vi.useRealTimers());

describe('a release whose changes reach a reader ahead of its mark', () => {
  it('strict: each change ahead of the mark watch is checked against the history, and the release is held whole', async () => {
    const { raw, source, deliverMarks } = laggingMarks();
    const { dials, sets, errors } = await reader(source, 'strict');
    await release(raw);
    await vi.waitFor(() => expect(dials.get('a')).toBe(1)); // asked, held
    deliverMarks();
    await vi.waitFor(() => expect(sets).toHaveLength(1));
    expect(sets[0]?.changes.map((c) => c.path).sort()).toEqual(['a', 'b']);
    expect(errors).toEqual([]);
    await dials.close();
  });

  it('default, while the mark watch catches up after it connects: checked against the history too', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { raw, source, deliverMarks } = laggingMarks();
    const { dials, sets, errors } = await reader(source, true);
    vi.setSystemTime(Date.now() + CATCH_UP_MS - 1);
    await release(raw);
    deliverMarks();
    await vi.waitFor(() => expect(sets).toHaveLength(1));
    expect(sets[0]?.changes).toHaveLength(2);
    expect(errors).toEqual([]);
    await dials.close();
  });

  it('default, once caught up: a change ahead of its mark applies at once, and the split is reported when the mark shows', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { raw, source, deliverMarks } = laggingMarks();
    const { dials, sets, errors } = await reader(source, true);
    vi.setSystemTime(Date.now() + CATCH_UP_MS);
    await raw.put(MARK, '{"release":"pending-x"}');
    await raw.put(`${prefix}a`, '2');
    expect(dials.get('a')).toBe(2); // trusted the order: no read of the history on the path
    deliverMarks(); // the mark comes late: said, and what follows under it is held
    expect(errors).toEqual(['SPLIT_RELEASE']);
    await raw.put(`${prefix}b`, '2');
    expect(dials.get('b')).toBe(1);
    await raw.delete(MARK);
    deliverMarks();
    await vi.waitFor(() => expect(dials.get('b')).toBe(2));
    expect(sets.map((s) => s.changes.map((c) => c.path))).toEqual([['a'], ['b']]);
    await dials.close();
  });

  it('default, once caught up, with the mark on time: held whole, nothing reported', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { raw, source } = laggingMarks();
    const inOrder: Source = { ...source, watch: raw.watch };
    const { dials, sets, errors } = await reader(inOrder, true);
    vi.setSystemTime(Date.now() + CATCH_UP_MS);
    await release(raw);
    await vi.waitFor(() => expect(sets).toHaveLength(1));
    expect(sets[0]?.changes).toHaveLength(2);
    expect(errors).toEqual([]);
    await dials.close();
  });

  it('an unknown holdReleases is refused, naming the values it takes', () => {
    const { source } = laggingMarks();
    expect(() => createDials({ source, prefix, holdReleases: 'strcit' as unknown as 'strict' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`true, false or 'strict', not "strcit"`) }),
    );
  });
});
