import { capability } from './capabilities.js';
import { DialsError, isDialsError } from './errors.js';
import type { Source } from './types.js';

export interface LockOptions {
  /** How long a holder that died keeps the lock (lease TTL). Default 10 000 ms. */
  readonly ttlMs?: number;
  /** How long to wait for a busy lock before giving up with TIMEOUT. Default 10 000 ms. */
  readonly waitMs?: number;
}

/** What `withLock` hands the function it runs. */
export interface HeldLock {
  /** Aborts if the lock is lost while `fn` runs (its lease ended: the process paused past its TTL, etcd unreachable). */
  readonly signal: AbortSignal;
  /** The revision that took the lock: larger for every later holder. Pass it to what you write, to refuse an older holder's writes. */
  readonly fencingToken: number;
}

/**
 * Run `fn` under the distributed lock `name`: waits up to `waitMs` for it (etcd's lock is a
 * try-lock; the waiting is ours), and releases it when `fn` settles, even when it throws. Needs a
 * source with `locks` (etcd, memory).
 */
export async function withLock<TResult>(
  source: Source,
  name: string,
  fn: (lock: HeldLock) => Promise<TResult> | TResult,
  options: LockOptions = {},
): Promise<TResult> {
  const locks = capability(source, 'locks', `withLock('${name}')`);
  const ttlMs = options.ttlMs ?? 10_000;
  const waitMs = options.waitMs ?? 10_000;
  const deadline = Date.now() + waitMs;
  let delay = 20;
  for (;;) {
    let handle: Awaited<ReturnType<typeof locks.tryLock>>;
    try {
      handle = await locks.tryLock(name, ttlMs);
    } catch (error) {
      if (!isDialsError(error) || error.code !== 'CONFLICT') throw error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new DialsError('TIMEOUT', `Lock ${name} is held by another process; gave up after ${waitMs} ms`, { key: `/locks/${name}` });
      }
      await new Promise((r) => setTimeout(r, Math.min(remaining, delay * (0.5 + Math.random()))));
      delay = Math.min(delay * 2, 250);
      continue;
    }
    try {
      return await fn({ signal: handle.signal, fencingToken: handle.revision });
    } finally {
      await handle.release();
    }
  }
}
