import { DialsError } from '../errors.js';
import type { Leases, LockHandle, Locks, Transactions } from '../types.js';

/** Where locks live: `/locks/<name>`. */
export const LOCKS_PREFIX = '/locks/';

/**
 * Locks on leases and transactions, for any source that has both: the lock is a key bound to a
 * kept-alive lease, created only if absent. Its create revision is the fencing token, and the
 * lease's signal says when the lock was lost.
 */
export function leaseLocks(source: { readonly description: string; readonly leases: Leases; readonly transactions: Transactions }): Locks {
  return {
    async tryLock(name: string, ttlMs: number): Promise<LockHandle> {
      const key = `${LOCKS_PREFIX}${name}`;
      const lease = await source.leases.keepAlive(ttlMs);
      let result: Awaited<ReturnType<Transactions['txn']>>;
      try {
        result = await source.transactions.txn([{ type: 'put', key, value: lease.id, lease: lease.id }], [{ key, modRevision: 0 }]);
      } catch (error) {
        await lease.revoke();
        throw error;
      }
      if (!result.succeeded) {
        await lease.revoke();
        throw new DialsError('CONFLICT', `Lock ${name} is held`, { key, endpoint: source.description });
      }
      return { key, revision: result.revision, signal: lease.signal, release: () => lease.revoke() };
    },
  };
}
