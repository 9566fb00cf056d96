import { capability } from './capabilities.js';
import { KvStore } from './internal/kv-store.js';
import { leaseLocks } from './internal/lease-locks.js';
import type { Capabilities, History, Leases, Source, Transactions } from './types.js';

export interface MemorySourceOptions {
  /** Initial keys; non-string values are stored as JSON text. */
  readonly initial?: Readonly<Record<string, unknown>>;
  /** A name for messages. Default `memory`. */
  readonly name?: string;
  /** The most operations per transaction, as etcd's `--max-txn-ops`. Default 128, so batching behaves as on etcd. */
  readonly maxTxnOps?: number;
}

/**
 * An in-process source with etcd's semantics (revisions, transactions, prefix watches, leases,
 * locks): for tests of your application and for embedded use without etcd. Leases and locks live
 * as long as the process; there is no cluster to report on.
 *
 * @example
 * const source = memorySource({ initial: { '/config/app/database/port': 5432 } });
 * const dials = createDials({ source, prefix: '/config/app/' });
 */
export function memorySource(options: MemorySourceOptions = {}): Source {
  const description = options.name ?? 'memory';
  const store = new KvStore(description);
  const initial = Object.entries(options.initial ?? {});
  if (initial.length > 0) {
    store.txn(
      initial.map(([key, value]) => ({ type: 'put' as const, key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
    );
  }
  const transactions: Transactions = {
    maxOps: options.maxTxnOps ?? 128,
    maxBytes: 1.5 * 1024 * 1024,
    txn: async (ops, compare) => store.txn(ops, compare),
  };
  const history: History = { getAt: async (key, revision) => store.getAt(key, revision) };
  const leases: Leases = {
    grant: async (ttlMs) => store.grantLease(ttlMs),
    keepAlive: async () => store.keepAlive(),
    revoke: async (id) => store.revokeLease(id),
    remainingMs: async (id) => store.remainingMs(id),
  };
  return storeSource(
    'memory',
    description,
    store,
    {},
    { transactions, history, leases, locks: leaseLocks({ description, leases, transactions }) },
  );
}

/** The Source face of a KvStore, shared by the memory and file sources: reads, writes, watches and what `capabilities` add. */
export function storeSource(
  kind: string,
  description: string,
  store: KvStore,
  hooks: { connect?: () => Promise<void>; close?: () => void } = {},
  capabilities: Capabilities = {},
): Source {
  const source: Source = {
    ...capabilities,
    kind,
    description,
    // One store, whose watchers hear each revision in turn.
    watchesInOrder: true,
    status$: store.status$.asObservable(),
    connect: async () => {
      await hooks.connect?.();
    },
    get: async (key) => store.get(key),
    list: async (prefix) => store.list(prefix),
    put: async (key, value, options = {}) => {
      // A TTL needs leases: a file source has none, so it refuses rather than keeping the key forever.
      if (options.ttlMs !== undefined || options.lease !== undefined) capability(source, 'leases', 'A temporary value (ttlMs)');
      return store.put(key, value, options);
    },
    delete: async (key) => store.delete(key),
    deletePrefix: async (prefix) => store.delete(prefix, true),
    watch: (prefix, listener) => store.watch(prefix, listener),
    close: async () => {
      hooks.close?.();
      store.close();
    },
  };
  return source;
}
