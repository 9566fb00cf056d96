import { DialsError } from './errors.js';
import type { Source, TxnCompare, TxnOp, TxnResult } from './types.js';

/** Atomic multi-key writes guarded by compare-and-set: one revision per transaction. */
export interface Transactions {
  /** The most operations one transaction may hold (etcd's `--max-txn-ops`, 128 by default). */
  readonly maxOps: number;
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

/** What a source may offer beyond reads, writes and watches. */
export interface Capabilities {
  readonly transactions?: Transactions;
  readonly leases?: Leases;
  readonly locks?: Locks;
  readonly cluster?: Cluster;
}

export type CapabilityName = keyof Capabilities;

/**
 * The capability `name` of `source`, or an UNSUPPORTED DialsError naming the feature, the
 * capability and the source.
 */
export function capability<TName extends CapabilityName>(source: Source, name: TName, feature: string): NonNullable<Capabilities[TName]> {
  const found = source[name];
  if (found) return found as NonNullable<Capabilities[TName]>;
  throw new DialsError(
    'UNSUPPORTED',
    `${feature} needs ${name}, which the ${source.kind} source ${source.description} does not offer; use a source that does (etcd offers all)`,
    { endpoint: source.description },
  );
}

/** The cluster's members, leader, health and alarms: `etcdctl endpoint status` and `member list` in one. */
export function clusterStatus(source: Source): Promise<ClusterStatus> {
  try {
    return capability(source, 'cluster', 'clusterStatus()').status();
  } catch (error) {
    return Promise.reject(error);
  }
}
