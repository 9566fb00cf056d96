import { DialsError, messageOf } from './errors.js';
import type { KeyValue, Source, TxnCompare, TxnOp } from './types.js';

/** etcd refuses transactions of more than 128 operations by default (`--max-txn-ops`). */
export const MAX_TXN_OPS = 128;
/** Where releases are recorded: `/dials/releases/<namespace>/<revision>`. */
export const RELEASES_PREFIX = '/dials/releases/';

/** One key's change in a release, as raw text (undefined: absent). */
export interface ReleaseChange {
  readonly key: string;
  readonly before?: string;
  readonly after?: string;
}

/** A recorded publish: who, when, why, at which etcd revision, and every change. */
export interface Release {
  readonly id: string;
  readonly namespace: string;
  readonly author: string;
  readonly message: string;
  readonly at: string;
  /** The etcd revision of the (last) transaction that applied the changes. */
  readonly revision: number;
  readonly changes: readonly ReleaseChange[];
  /** Set on a rollback: the release it undoes. */
  readonly rollbackOf?: string;
  /** Set when the changes are bound to a lease that expires. */
  readonly ttlMs?: number;
}

export interface PublishKeysOptions {
  readonly message?: string;
  readonly author?: string;
  /** Compare-and-set: nothing is written if any key under `guardPrefix` changed after this revision. */
  readonly expectRevision?: number;
  /** The prefix `expectRevision` guards. */
  readonly guardPrefix?: string;
  /** Bind the written keys to a lease of this length: they disappear by themselves when it expires. */
  readonly ttlMs?: number;
  /** Release namespace (default: the guard prefix without its slashes, else `default`). */
  readonly namespace?: string;
  /** Called after each transaction with the number of changes written so far. */
  readonly onProgress?: (written: number, total: number) => void;
  /** Do not record a release. */
  readonly record?: boolean;
  readonly rollbackOf?: string;
}

/** A change to one full key: `after` undefined deletes it. */
export interface KeyChange {
  readonly key: string;
  readonly after: string | undefined;
}

export function defaultAuthor(): string {
  return process.env.DIALS_AUTHOR ?? process.env.USER ?? process.env.USERNAME ?? 'unknown';
}

export function namespaceOf(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? 'default' : trimmed;
}

async function readBefore(source: Source, changes: readonly KeyChange[]): Promise<Map<string, KeyValue>> {
  const before = new Map<string, KeyValue>();
  // One range read for a large change set under one prefix; single reads otherwise.
  if (changes.length > 32) {
    const common = commonPrefix(changes.map((c) => c.key));
    for (const kv of (await source.list(common)).kvs) before.set(kv.key, kv);
  } else {
    await Promise.all(
      changes.map(async (c) => {
        const kv = await source.get(c.key);
        if (kv) before.set(c.key, kv);
      }),
    );
  }
  return before;
}

function commonPrefix(keys: readonly string[]): string {
  let prefix = keys[0] ?? '';
  for (const key of keys) while (!key.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/**
 * Write `changes` in transactions of at most 128 operations (one transaction when they fit, so
 * they apply atomically), compare-and-set, then record a release. Later batches are guarded by the
 * revision of the previous one, so a concurrent writer stops a large publish with CONFLICT
 * instead of interleaving with it.
 */
export async function publishKeys(source: Source, changes: readonly KeyChange[], options: PublishKeysOptions = {}): Promise<Release> {
  const unique = new Map<string, KeyChange>();
  for (const change of changes) unique.set(change.key, change);
  const list = [...unique.values()];
  if (list.length === 0) throw new DialsError('INVALID_ARGUMENT', 'publish: nothing to publish');
  const before = await readBefore(source, list);
  const lease = options.ttlMs === undefined ? undefined : await source.grantLease(options.ttlMs);
  let guard = options.expectRevision;
  let revision = 0;
  let written = 0;
  for (let start = 0; start < list.length; start += MAX_TXN_OPS) {
    const batch = list.slice(start, start + MAX_TXN_OPS);
    const ops: TxnOp[] = batch.map((c) =>
      c.after === undefined ? { type: 'delete', key: c.key } : { type: 'put', key: c.key, value: c.after, lease },
    );
    const compare: TxnCompare[] =
      guard !== undefined && options.guardPrefix !== undefined
        ? [{ key: options.guardPrefix, prefix: true, op: 'less', modRevision: guard + 1 }]
        : batch.map((c) => ({ key: c.key, modRevision: before.get(c.key)?.modRevision ?? 0 }));
    const result = await source.txn(ops, compare);
    if (!result.succeeded) throw await conflict(source, batch, before, options, guard, result.revision, written);
    revision = result.revision;
    written += batch.length;
    if (guard !== undefined) guard = revision;
    options.onProgress?.(written, list.length);
  }
  const release: Release = {
    id: String(revision).padStart(20, '0'),
    namespace: options.namespace ?? namespaceOf(options.guardPrefix ?? commonPrefix(list.map((c) => c.key))),
    author: options.author ?? defaultAuthor(),
    message: options.message ?? '',
    at: new Date().toISOString(),
    revision,
    changes: list.map((c) => ({ key: c.key, before: before.get(c.key)?.value, after: c.after })),
    ...(options.rollbackOf ? { rollbackOf: options.rollbackOf } : {}),
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
  };
  if (options.record !== false) await source.put(`${RELEASES_PREFIX}${release.namespace}/${release.id}`, JSON.stringify(release));
  return release;
}

async function conflict(
  source: Source,
  batch: readonly KeyChange[],
  before: ReadonlyMap<string, KeyValue>,
  options: PublishKeysOptions,
  guard: number | undefined,
  current: number,
  written: number,
): Promise<DialsError> {
  let moved: string[];
  if (guard !== undefined && options.guardPrefix !== undefined) {
    moved = (await source.list(options.guardPrefix)).kvs.filter((kv) => kv.modRevision > guard).map((kv) => kv.key);
  } else {
    const now = await Promise.all(batch.map(async (c) => [c.key, (await source.get(c.key))?.modRevision ?? 0] as const));
    moved = now.filter(([key, rev]) => rev !== (before.get(key)?.modRevision ?? 0)).map(([key]) => key);
  }
  const what =
    moved.length > 0
      ? `${moved.slice(0, 5).join(', ')}${moved.length > 5 ? ` and ${moved.length - 5} more` : ''} changed`
      : 'a key was deleted';
  const partial = written > 0 ? ` ${written} changes of earlier transactions were written.` : ' Nothing was written.';
  return new DialsError(
    'CONFLICT',
    `Publish conflict: ${what} since revision ${guard ?? 'read'}; the current revision is ${current}.${partial} Re-read and try again.`,
    {
      key: moved[0],
      revision: current,
    },
  );
}

/** Releases of a namespace, newest first. */
export async function listReleases(source: Source, namespace: string, limit = 50): Promise<Release[]> {
  const { kvs } = await source.list(`${RELEASES_PREFIX}${namespace}/`);
  const releases: Release[] = [];
  for (const kv of kvs) {
    try {
      releases.push(JSON.parse(kv.value) as Release);
    } catch (error) {
      throw new DialsError('PARSE_ERROR', `Release record ${kv.key} is not JSON: ${messageOf(error)}`, { key: kv.key });
    }
  }
  return releases.sort((a, b) => b.revision - a.revision).slice(0, limit);
}

/** Read one release by namespace and id. */
export async function getRelease(source: Source, namespace: string, id: string): Promise<Release> {
  const kv = await source.get(`${RELEASES_PREFIX}${namespace}/${id.padStart(20, '0')}`);
  if (!kv)
    throw new DialsError('INVALID_ARGUMENT', `No release ${id} in namespace ${namespace}`, { key: `${RELEASES_PREFIX}${namespace}/${id}` });
  return JSON.parse(kv.value) as Release;
}

/** Publish the inverse of `release` (itself recorded as a release). */
export function rollbackRelease(
  source: Source,
  release: Release,
  options: Pick<PublishKeysOptions, 'author' | 'message'> = {},
): Promise<Release> {
  return publishKeys(
    source,
    release.changes.map((c) => ({ key: c.key, after: c.before })),
    {
      author: options.author,
      message: options.message ?? `rollback of ${release.id}${release.message ? ` (${release.message})` : ''}`,
      namespace: release.namespace,
      rollbackOf: release.id,
    },
  );
}

export interface LockOptions {
  /** How long a holder that died keeps the lock (lease TTL). Default 10 000 ms. */
  readonly ttlMs?: number;
  /** How long to wait for a busy lock before giving up with TIMEOUT. Default 10 000 ms. */
  readonly waitMs?: number;
}

/**
 * Run `fn` under the distributed lock `name`: waits up to `waitMs` for it (etcd's lock is a
 * try-lock; the waiting is ours), and releases it when `fn` settles, even when it throws.
 */
export async function withLock<TResult>(
  source: Source,
  name: string,
  fn: () => Promise<TResult> | TResult,
  options: LockOptions = {},
): Promise<TResult> {
  const ttlMs = options.ttlMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  let release: (() => Promise<void>) | undefined;
  let delay = 20;
  for (;;) {
    try {
      release = await source.tryLock(name, ttlMs);
      break;
    } catch (error) {
      if (!(error instanceof DialsError) || error.code !== 'CONFLICT') throw error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new DialsError('TIMEOUT', `Lock ${name} is held by another process; gave up after ${options.waitMs ?? 10_000} ms`, {
          key: `/locks/${name}`,
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(remaining, delay * (0.5 + Math.random()))));
      delay = Math.min(delay * 2, 250);
    }
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}
