import { BehaviorSubject } from 'rxjs';
import { DialsError } from '../errors.js';
import type {
  DialsStatus,
  KeyValue,
  Lease,
  PrefixListener,
  PrefixWatch,
  PutOptions,
  RangeResult,
  TxnCompare,
  TxnOp,
  TxnResult,
  WatchEvent,
} from '../types.js';

interface Watch {
  readonly prefix: string;
  readonly listener: PrefixListener;
  closed: boolean;
}

/**
 * An in-process key-value store with etcd's semantics: one revision per write or transaction,
 * mod/create revisions and versions per key, prefix watches that see each revision whole,
 * and leases that delete their keys on expiry. The memory and file sources are built on it.
 */
export class KvStore {
  private readonly data = new Map<string, KeyValue>();
  /** Each key's last versions (`kv` undefined: deleted), oldest first, for reads at a revision. */
  private readonly versions = new Map<string, { revision: number; kv: KeyValue | undefined; trimmed: boolean }[]>();
  private readonly watches = new Set<Watch>();
  private readonly leaseTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly keepers = new Map<string, AbortController>();
  private nextLease = 1;
  revision = 1;
  readonly status$ = new BehaviorSubject<DialsStatus>('ready');

  constructor(private readonly description: string) {}

  get(key: string): KeyValue | undefined {
    this.assertOpen();
    return this.data.get(key);
  }

  list(prefix: string): RangeResult {
    this.assertOpen();
    const kvs: KeyValue[] = [];
    for (const kv of this.data.values()) if (kv.key.startsWith(prefix)) kvs.push(kv);
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { revision: this.revision, kvs };
  }

  put(key: string, value: string, options: PutOptions = {}): { revision: number } {
    const lease = options.lease ?? (options.ttlMs === undefined ? undefined : this.grantLease(options.ttlMs));
    return { revision: this.txn([{ type: 'put', key, value, lease, binary: options.binary }]).revision };
  }

  delete(key: string, prefix = false): { revision: number; deleted: number } {
    const before = this.data.size;
    const { revision } = this.txn([{ type: 'delete', key, prefix }]);
    return { revision, deleted: before - this.data.size };
  }

  txn(ops: readonly TxnOp[], compare: readonly TxnCompare[] = []): TxnResult {
    this.assertOpen();
    for (const c of compare) {
      const revisions = c.prefix
        ? [...this.data.values()].filter((kv) => kv.key.startsWith(c.key)).map((kv) => kv.modRevision)
        : [this.data.get(c.key)?.modRevision ?? 0];
      const holds = revisions.every((r) => (c.op === 'less' ? r < c.modRevision : r === c.modRevision));
      if (!holds) return { succeeded: false, revision: this.revision };
    }
    const next = this.revision + 1;
    const events: WatchEvent[] = [];
    const deleteKey = (key: string) => {
      if (!this.data.delete(key)) return;
      events.push({ type: 'delete', key, value: undefined, modRevision: next });
      this.remember(key, next, undefined);
    };
    for (const op of ops) {
      if (op.type === 'put') {
        const prev = this.data.get(op.key);
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          modRevision: next,
          createRevision: prev?.createRevision ?? next,
          version: (prev?.version ?? 0) + 1,
          lease: op.lease ?? '0',
          ...(op.binary ? { binary: true } : {}),
        };
        this.data.set(op.key, kv);
        this.remember(op.key, next, kv);
        events.push({ type: 'put', key: op.key, value: op.value, modRevision: next, ...(op.binary ? { binary: true } : {}) });
      } else if (op.prefix) {
        for (const key of [...this.data.keys()]) if (key.startsWith(op.key)) deleteKey(key);
      } else {
        deleteKey(op.key);
      }
    }
    // etcd does not bump the revision for a transaction that changed nothing.
    if (events.length === 0) return { succeeded: true, revision: this.revision };
    this.revision = next;
    this.dispatch(next, events);
    return { succeeded: true, revision: next };
  }

  /** Keep a key's last 100 versions: enough history for a rollback to check, bounded for long-lived stores. */
  private remember(key: string, revision: number, kv: KeyValue | undefined): void {
    let list = this.versions.get(key);
    if (!list) {
      list = [];
      this.versions.set(key, list);
    }
    list.push({ revision, kv, trimmed: false });
    if (list.length > 100) {
      list.shift();
      (list[0] as { trimmed: boolean }).trimmed = true;
    }
  }

  /** The key as it was at `revision`, or 'compacted' when that version was let go. */
  getAt(key: string, revision: number): KeyValue | undefined | 'compacted' {
    this.assertOpen();
    const list = this.versions.get(key) ?? [];
    let found: (typeof list)[number] | undefined;
    for (const entry of list) if (entry.revision <= revision) found = entry;
    if (!found) return list[0]?.trimmed ? 'compacted' : undefined;
    return found.kv;
  }

  /** Replace everything under `prefix` with `entries` in one revision; unchanged keys keep theirs. */
  replace(prefix: string, entries: ReadonlyMap<string, string>): void {
    const ops: TxnOp[] = [];
    for (const kv of this.list(prefix).kvs) {
      if (!entries.has(kv.key)) ops.push({ type: 'delete', key: kv.key });
    }
    for (const [key, value] of entries) {
      if (this.data.get(key)?.value !== value) ops.push({ type: 'put', key, value });
    }
    if (ops.length > 0) this.txn(ops);
  }

  watch(prefix: string, listener: PrefixListener): PrefixWatch {
    this.assertOpen();
    const watch: Watch = { prefix, listener, closed: false };
    this.watches.add(watch);
    queueMicrotask(() => {
      if (watch.closed) return;
      guard(() => listener.reset(this.list(prefix)));
      guard(() => listener.status('ready'));
    });
    return {
      // A local store is always current.
      get confirmedAt() {
        return Date.now();
      },
      refresh: async () => {
        if (!watch.closed) guard(() => listener.reset(this.list(prefix)));
      },
      close: async () => {
        watch.closed = true;
        this.watches.delete(watch);
      },
    };
  }

  /** Tell every watcher about a problem (a broken file edit) without changing anything. */
  reportError(error: Error): void {
    for (const w of this.watches) guard(() => w.listener.error(error));
  }

  /** When each expiring lease runs out (ms since epoch). */
  private readonly expiries = new Map<string, number>();

  /** How long lease `id` has left: until it expires, or indefinitely (a kept-alive one); undefined once gone. */
  remainingMs(id: string): number | undefined {
    const expiry = this.expiries.get(id);
    if (expiry !== undefined) return Math.max(0, expiry - Date.now());
    return this.keepers.has(id) ? Number.POSITIVE_INFINITY : undefined;
  }

  grantLease(ttlMs: number): string {
    const id = String(this.nextLease++);
    this.expiries.set(id, Date.now() + ttlMs);
    const timer = setTimeout(() => this.revokeLease(id), ttlMs);
    timer.unref?.();
    this.leaseTimers.set(id, timer);
    return id;
  }

  /** A lease that lives until revoked: in one process there is nothing to keep alive. */
  keepAlive(): Lease {
    const id = String(this.nextLease++);
    const controller = new AbortController();
    this.keepers.set(id, controller);
    return {
      id,
      signal: controller.signal,
      revoke: async () => {
        this.keepers.delete(id);
        this.revokeLease(id);
      },
    };
  }

  /** End lease `id` and delete its keys; a holder of a kept-alive lease hears that it was lost. */
  revokeLease(id: string): void {
    const timer = this.leaseTimers.get(id);
    if (timer) clearTimeout(timer);
    this.leaseTimers.delete(id);
    this.expiries.delete(id);
    const keeper = this.keepers.get(id);
    this.keepers.delete(id);
    if (this.status$.value === 'closed') return;
    const ops: TxnOp[] = [];
    for (const kv of this.data.values()) if (kv.lease === id) ops.push({ type: 'delete', key: kv.key });
    if (ops.length > 0) this.txn(ops);
    keeper?.abort(new DialsError('UNAVAILABLE', `Lease ${id} of ${this.description} was revoked`, { endpoint: this.description }));
  }

  close(): void {
    for (const timer of this.leaseTimers.values()) clearTimeout(timer);
    this.leaseTimers.clear();
    this.keepers.clear();
    for (const w of this.watches) w.closed = true;
    this.watches.clear();
    this.status$.next('closed');
    this.status$.complete();
  }

  private dispatch(revision: number, events: readonly WatchEvent[]): void {
    for (const w of this.watches) {
      const mine = events.filter((e) => e.key.startsWith(w.prefix));
      if (mine.length > 0) guard(() => w.listener.batch({ revision, events: mine }));
    }
  }

  private assertOpen(): void {
    if (this.status$.value === 'closed') {
      throw new DialsError('CLOSED', `${this.description} is closed`, { endpoint: this.description });
    }
  }
}

/** Run a listener without letting it throw into the source. */
export function guard(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    // A listener's own failure must not stop the source; surface it without crashing.
    queueMicrotask(() => {
      process.emitWarning(`Dials: a watch listener threw: ${String(error)}`);
    });
  }
}
