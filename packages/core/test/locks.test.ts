import { describe, expect, it } from 'vitest';
import { isDialsError } from '../src/errors.js';
import { fileSource } from '../src/file-source.js';
import { withLock } from '../src/locks.js';
import { memorySource } from '../src/memory-source.js';

describe('withLock on the memory source', () => {
  it('runs holders one at a time, each with a larger fencing token', async () => {
    const source = memorySource();
    const log: string[] = [];
    const tokens: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = withLock(source, 'job', async ({ fencingToken }) => {
      tokens.push(fencingToken);
      log.push('first in');
      await gate;
      log.push('first out');
    });
    const second = withLock(source, 'job', ({ fencingToken }) => {
      tokens.push(fencingToken);
      log.push('second');
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(['first in']);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['first in', 'first out', 'second']);
    expect(tokens[1]).toBeGreaterThan(tokens[0] as number);
  });

  it('gives up with TIMEOUT when the lock stays held past waitMs', async () => {
    const source = memorySource();
    const held = await source.locks!.tryLock('busy', 10_000);
    await expect(withLock(source, 'busy', () => 1, { waitMs: 30 })).rejects.toMatchObject({ code: 'TIMEOUT', key: '/locks/busy' });
    await held.release();
    expect(await withLock(source, 'busy', () => 2)).toBe(2);
  });

  it('aborts the holder when its lease ends while it runs', async () => {
    const source = memorySource();
    const reason = await withLock(source, 'fragile', async ({ signal }) => {
      const lockKey = await source.get('/locks/fragile');
      await source.leases!.revoke(lockKey!.lease);
      return signal.aborted ? signal.reason : undefined;
    });
    expect(isDialsError(reason) && reason.code).toBe('UNAVAILABLE');
  });

  it('fails with UNSUPPORTED on a source without locks', async () => {
    await expect(withLock(fileSource('/nowhere.yaml'), 'x', () => 1)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
