import type { Observable } from 'rxjs';

/**
 * Connection state of a source or a Dials instance: `connecting`, then `ready`; `degraded` while
 * ready but keeping the last good value of keys it refuses (see `Dials.refused`); `stale` while
 * the source is unreachable; `error` when start-up failed; `closed`.
 */
export type DialsStatus = 'connecting' | 'ready' | 'degraded' | 'stale' | 'error' | 'closed';

/** A key whose value in the source is refused, so Dials keeps its last good value (or has none). */
export interface RefusedKey {
  /** The config path, relative to its prefix. */
  readonly path: string;
  /** The full key in the source. */
  readonly key: string;
  /** `invalid`: the value fails its schema; `deleted`: a key the schema requires was deleted; `missing`: a required key was never set. */
  readonly reason: 'invalid' | 'deleted' | 'missing';
  /** The refused raw value, clipped to 120 characters (never for secret keys, nor for `deleted` and `missing`). */
  readonly raw?: string;
  /** Why: the schema's message. */
  readonly message: string;
  /** Whether a last good value is still served. */
  readonly kept: boolean;
}

/** One key as stored in the source. Revisions are numbers (etcd's int64 fits for 285 000 years at 1 000 writes/s). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
  readonly createRevision: number;
  readonly version: number;
  /** The lease the key is bound to ('0' for none). */
  readonly lease: string;
  /** The value is not UTF-8 text: `value` holds its bytes, one per character (latin1); write it back with `binary` to keep them. */
  readonly binary?: boolean;
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The new value (put) ; undefined on delete. */
  readonly value: string | undefined;
  readonly modRevision: number;
  /** As `KeyValue.binary`. */
  readonly binary?: boolean;
}

/** Every change of one revision (one etcd transaction), delivered together. */
export interface WatchBatch {
  readonly revision: number;
  readonly events: readonly WatchEvent[];
}

export interface RangeResult {
  /** The store revision the range was read at. */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  /** Keys left out because they are not UTF-8 text (shown with `\xNN` escapes): Dials could not tell them from others. */
  readonly invalidKeys?: readonly string[];
}

/** The keys under a prefix, without their values (`Source.listKeys`). */
export interface KeyListing {
  /** The store revision the keys were read at. */
  readonly revision: number;
  readonly keys: readonly string[];
  /** Keys left out because they are not UTF-8 text (shown with `\xNN` escapes). */
  readonly invalidKeys?: readonly string[];
}

/** What a prefix watch reports. Handlers must not throw; the source guards them anyway. */
export interface PrefixListener {
  /**
   * The full content of the prefix at `revision`: on start, and again whenever the source had to
   * re-read (compaction, a lost history, a cache expiry). The receiver computes the differences.
   */
  reset(range: RangeResult): void;
  /**
   * Optional: each page of the first read as it arrives, before `reset()` gets them all, while the
   * next page is on its way, so that the receiver can decode them meanwhile. `offset` is the
   * page's position in the read (0 starts a new read). Nothing is applied from a page: `reset()`
   * still decides.
   */
  page?(kvs: readonly KeyValue[], offset: number): void;
  /** The changes of one revision, in revision order, never a revision twice. */
  batch(batch: WatchBatch): void;
  /** `ready` once the watch is live (again), `stale` while the source cannot be reached. */
  status(status: 'ready' | 'stale'): void;
  /** A problem worth reporting; the watch goes on (retrying) unless `status('error')` follows. */
  error(error: Error): void;
}

export interface PrefixWatch {
  /** When (ms since epoch) the source last confirmed this prefix is current: an event, a progress notice, a read. */
  readonly confirmedAt: number;
  /** Re-read the prefix now (a `reset` follows on success). Rejects with a DialsError on failure. */
  refresh(): Promise<void>;
  /** Stop watching. */
  close(): Promise<void>;
}

export interface PutOptions {
  /** Bind the key to a new lease of this many milliseconds (whole seconds on etcd): it disappears when the lease expires. Needs `leases`. */
  readonly ttlMs?: number;
  /** Bind the key to this existing lease (from `source.leases`). */
  readonly lease?: string;
  /** `value` holds bytes one per character (latin1), as `KeyValue.binary` hands them out. */
  readonly binary?: boolean;
}

export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: string; readonly binary?: boolean }
  | { readonly type: 'delete'; readonly key: string; readonly prefix?: boolean };

/**
 * A guard: the key's mod revision (0 = absent) must equal `modRevision`, or with `op: 'less'` be
 * below it; with `prefix`, every key under `key` must pass (etcd's range compare).
 */
export interface TxnCompare {
  readonly key: string;
  readonly modRevision: number;
  readonly op?: 'equal' | 'less';
  readonly prefix?: boolean;
}

export interface TxnResult {
  readonly succeeded: boolean;
  readonly revision: number;
}

/** Atomic multi-key writes guarded by compare-and-set: one revision per transaction. */
export interface Transactions {
  /** The most operations one transaction may hold (etcd's `--max-txn-ops`, 128 by default). */
  readonly maxOps: number;
  /** The most bytes one request may carry (etcd's `--max-request-bytes`, 1.5 MiB by default): larger transactions are split, a larger single value refused. */
  readonly maxBytes: number;
  /** Apply `ops` atomically if every compare holds. */
  txn(ops: readonly TxnOp[], compare?: readonly TxnCompare[]): Promise<TxnResult>;
}

/** A lease kept alive by this process until it is revoked or lost. */
export interface Lease {
  readonly id: string;
  /** Aborts when the lease is gone (keep-alive failed past its TTL, or revoked elsewhere); its reason is a DialsError. */
  readonly signal: AbortSignal;
  /** End the lease now: the keys bound to it are deleted. */
  revoke(): Promise<void>;
}

/** Leases: keys bound to one are deleted when it ends. */
export interface Leases {
  /** A lease of `ttlMs` (whole seconds on etcd) that is never kept alive: it expires by itself. */
  grant(ttlMs: number): Promise<string>;
  /** A lease of `ttlMs` kept alive while this process runs, until `revoke()`. */
  keepAlive(ttlMs: number): Promise<Lease>;
  /** End a lease by id; its keys are deleted. */
  revoke(id: string): Promise<void>;
  /** How long lease `id` has left, in ms (undefined when it is gone). */
  remainingMs(id: string): Promise<number | undefined>;
}

/** A held lock. */
export interface LockHandle {
  readonly key: string;
  /** The revision that took the lock: it grows with every holder, so it serves as a fencing token. */
  readonly revision: number;
  /** Aborts when the lock is lost (its lease ended while held); its reason is a DialsError. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** Distributed locks. */
export interface Locks {
  /** Take the lock `name` if it is free, held while this process lives and at most `ttlMs` after. Rejects with CONFLICT when it is held. */
  tryLock(name: string, ttlMs: number): Promise<LockHandle>;
}

export interface MemberStatus {
  readonly id: string;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
  readonly healthy: boolean;
  readonly isLeader?: boolean;
  readonly leader?: string;
  readonly version?: string;
  readonly dbSize?: number;
  readonly raftTerm?: number;
  readonly raftIndex?: number;
  readonly error?: string;
}

export interface ClusterStatus {
  readonly clusterId: string;
  readonly leader: string | undefined;
  readonly members: readonly MemberStatus[];
  readonly alarms: readonly { readonly memberId: string; readonly alarm: string }[];
}

/** The cluster behind a source: members, leader, health, alarms. */
export interface Cluster {
  status(): Promise<ClusterStatus>;
}

/** Reads of a key as it was at an earlier revision (etcd's MVCC), while that revision is kept. */
export interface History {
  /** The key at `revision`: its value then, `undefined` if it was absent, `'compacted'` when that revision is gone. */
  getAt(key: string, revision: number): Promise<KeyValue | undefined | 'compacted'>;
}

/** What a source may offer beyond reads, writes and watches. */
export interface Capabilities {
  readonly transactions?: Transactions;
  readonly history?: History;
  readonly leases?: Leases;
  readonly locks?: Locks;
  readonly cluster?: Cluster;
}

export type CapabilityName = keyof Capabilities;

/**
 * Where values live. `etcdSource()` in production, `memorySource()` and `fileSource()` embedded;
 * all three give the same read and watch semantics, revisions included. What a source can do
 * beyond that is in its optional capabilities (`transactions`, `leases`, `locks`, `cluster`):
 * etcd has them all, memory all but `cluster`, a file none. A feature that needs one the source
 * lacks fails with an UNSUPPORTED DialsError naming it.
 */
export interface Source extends Capabilities {
  /** What kind of source, for messages: `etcd`, `memory`, `file`, or a custom source's own name. */
  readonly kind: string;
  /** The endpoints or file, for messages (never credentials). */
  readonly description: string;
  /** The user this source authenticates as (etcd auth): release records name it as their author. */
  readonly user?: string;
  /** Resolves once the source answers; rejects with a DialsError naming the endpoint and the cause. */
  connect(): Promise<void>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Every key under `prefix` at one revision; `onPage` hears each page as it arrives (see `PrefixListener.page`). */
  /**
   * Every watch on this source hears revisions in one order (an in-process store): what one watch
   * has not shown yet has not happened. etcd's watch streams are not ordered against each other.
   */
  readonly watchesInOrder?: boolean;
  list(prefix: string, onPage?: (kvs: readonly KeyValue[], offset: number) => void): Promise<RangeResult>;
  /**
   * Every key under `prefix` at one revision, without the values: what a browser of the key tree
   * needs. etcd leaves the values out (`keys_only`); a source without it is read with `list`.
   */
  listKeys?(prefix: string): Promise<KeyListing>;
  put(key: string, value: string, options?: PutOptions): Promise<{ revision: number }>;
  delete(key: string): Promise<{ revision: number; deleted: number }>;
  deletePrefix(prefix: string): Promise<{ revision: number; deleted: number }>;
  /** Watch a prefix: a `reset` with the content, then a `batch` per revision. */
  watch(prefix: string, listener: PrefixListener): PrefixWatch;
  /** Source-level state (etcd reachable, file readable). */
  readonly status$: Observable<DialsStatus>;
  close(): Promise<void>;
}
