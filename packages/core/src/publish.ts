import { capability } from './capabilities.js';
import type { PublishChange } from './dials-options.js';
import { DialsError } from './errors.js';
import { decodeValue } from './internal/decode.js';
import { namespaceOf, RELEASES_PREFIX, type Release, releaseId } from './releases.js';
import type { StandardSchemaV1 } from './schema.js';
import { holdsSecret, shownValue } from './secrets.js';
import type { KeyValue, Source, TxnCompare, TxnOp } from './types.js';

/** etcd refuses transactions of more than 128 operations by default (`--max-txn-ops`). */
export const MAX_TXN_OPS = 128;
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
 * `{ path: value }` (undefined deletes) or a list of changes, as full keys under `prefix`, each
 * value validated by its path's schema first: one refused value refuses them all, naming it.
 */
export function configChanges(
  prefix: string,
  changes: Readonly<Record<string, unknown>> | readonly PublishChange[],
  schemaOf: (path: string) => StandardSchemaV1 | undefined,
): KeyChange[] {
  const list: readonly PublishChange[] = Array.isArray(changes)
    ? (changes as readonly PublishChange[])
    : Object.entries(changes).map(([path, value]) => (value === undefined ? { path, delete: true as const } : { path, value }));
  return list.map((change) => {
    const key = prefix + change.path;
    if ('delete' in change) return { key, after: undefined };
    const raw = 'raw' in change ? change.raw : JSON.stringify(change.value);
    if (raw === undefined) throw new DialsError('INVALID_VALUE', `publish: ${key} has no JSON form`, { key });
    const decoded = decodeValue(raw, schemaOf(change.path));
    if (!decoded.ok) {
      const issues = decoded.issues.map((i) => i.message).join('; ');
      throw new DialsError(
        'INVALID_VALUE',
        `publish refused: ${key} = ${shownValue(key, raw)} fails its schema (${issues}). Nothing was written.`,
        {
          key,
          ...(holdsSecret(key, raw) ? {} : { raw }),
          issues: decoded.issues,
        },
      );
    }
    return { key, after: raw };
  });
}

/**
 * Write `changes` in transactions of at most 128 operations (one transaction when they fit, so
 * they apply atomically), compare-and-set, then record a release. Changes to what is already
 * there are left out; when nothing is left, nothing is written or recorded (`changes` is empty). Later batches are guarded by the
 * revision of the previous one, so a concurrent writer stops a large publish with CONFLICT
 * instead of interleaving with it.
 */
export async function publishKeys(source: Source, changes: readonly KeyChange[], options: PublishKeysOptions = {}): Promise<Release> {
  const transactions = capability(source, 'transactions', 'publish');
  const maxOps = transactions.maxOps;
  const unique = new Map<string, KeyChange>();
  for (const change of changes) unique.set(change.key, change);
  const asked = [...unique.values()];
  if (asked.length === 0) throw new DialsError('INVALID_ARGUMENT', 'publish: nothing to publish');
  const before = await readBefore(source, asked);
  // A change to what is already there changes nothing (unless it makes the key temporary).
  const list = asked.filter((c) => options.ttlMs !== undefined || before.get(c.key)?.value !== c.after);
  const namespace = options.namespace ?? namespaceOf(options.guardPrefix ?? commonPrefix(asked.map((c) => c.key)));
  if (list.length === 0) return unchanged(namespace, options);
  const lease =
    options.ttlMs === undefined ? undefined : await capability(source, 'leases', 'A temporary override (ttlMs)').grant(options.ttlMs);
  let guard = options.expectRevision;
  let revision = 0;
  let written = 0;
  for (let start = 0; start < list.length; start += maxOps) {
    const batch = list.slice(start, start + maxOps);
    const ops: TxnOp[] = batch.map((c) =>
      c.after === undefined ? { type: 'delete', key: c.key } : { type: 'put', key: c.key, value: c.after, lease },
    );
    const compare: TxnCompare[] =
      guard !== undefined && options.guardPrefix !== undefined
        ? [{ key: options.guardPrefix, prefix: true, op: 'less', modRevision: guard + 1 }]
        : batch.map((c) => ({ key: c.key, modRevision: before.get(c.key)?.modRevision ?? 0 }));
    const result = await transactions.txn(ops, compare);
    if (!result.succeeded) throw await conflict(source, batch, before, options, guard, result.revision, written);
    revision = result.revision;
    written += batch.length;
    if (guard !== undefined) guard = revision;
    options.onProgress?.(written, list.length);
  }
  const release: Release = {
    id: releaseId(revision),
    namespace,
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

/** What a publish that changes nothing returns: no transaction, no record, `id` empty and `changes` empty. */
function unchanged(namespace: string, options: PublishKeysOptions): Release {
  return {
    id: '',
    namespace,
    author: options.author ?? defaultAuthor(),
    message: options.message ?? '',
    at: new Date().toISOString(),
    revision: 0,
    changes: [],
  };
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
