import { KvStore } from './internal/kv-store.js';
import type { Source } from './types.js';

export interface MemorySourceOptions {
  /** Initial keys; non-string values are stored as JSON text. */
  readonly initial?: Readonly<Record<string, unknown>>;
  /** A name for messages. Default `memory`. */
  readonly name?: string;
}

/**
 * An in-process source with etcd's semantics (revisions, transactions, prefix watches, leases):
 * for tests of your application and for embedded use without etcd.
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
      initial.map(([key, value]) => ({
        type: 'put' as const,
        key,
        value: typeof value === 'string' ? value : JSON.stringify(value),
      })),
    );
  }
  return storeSource('memory', description, store);
}

/** The Source face of a KvStore, shared by the memory and file sources. */
export function storeSource(
  kind: Source['kind'],
  description: string,
  store: KvStore,
  hooks: { connect?: () => Promise<void>; close?: () => void } = {},
): Source {
  return {
    kind,
    description,
    status$: store.status$.asObservable(),
    connect: async () => {
      await hooks.connect?.();
    },
    get: async (key) => store.get(key),
    list: async (prefix) => store.list(prefix),
    put: async (key, value, options) => store.put(key, value, options),
    delete: async (key) => store.delete(key),
    deletePrefix: async (prefix) => store.delete(prefix, true),
    txn: async (ops, compare) => store.txn(ops, compare),
    watch: (prefix, listener) => store.watch(prefix, listener),
    grantLease: async (ttlMs) => store.grantLease(ttlMs),
    tryLock: async (name) => store.tryLock(name),
    close: async () => {
      hooks.close?.();
      store.close();
    },
  };
}
