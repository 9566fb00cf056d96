import { DialsError } from '../src/errors.js';
import { memorySource } from '../src/memory-source.js';
import { RELEASES_PREFIX } from '../src/releases.js';
import type { Source } from '../src/types.js';

/** A memory source whose n-th transaction (1-based; the first marks the release in progress) throws, and whose record writes can be made to fail. */
export function faulty(options: { failTxn?: number; failRecords?: boolean; maxTxnOps?: number } = {}) {
  const source = memorySource({ maxTxnOps: options.maxTxnOps ?? 3 });
  let txns = 0;
  const state = { failRecords: options.failRecords ?? false };
  const wrapped: Source = {
    ...source,
    put: (key, value, opts) =>
      state.failRecords && key.startsWith(RELEASES_PREFIX) && !key.includes('pending-')
        ? Promise.reject(new DialsError('UNAVAILABLE', 'etcd went away'))
        : source.put(key, value, opts),
    transactions: {
      ...source.transactions!,
      txn: (ops, compare) => {
        txns++;
        if (txns === options.failTxn) return Promise.reject(new DialsError('UNAVAILABLE', 'etcd went away'));
        return source.transactions!.txn(ops, compare);
      },
    },
  };
  return { source: wrapped, raw: source, state };
}
