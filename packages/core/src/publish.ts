import { capability } from './capabilities.js';
import { environmentAuthor } from './delivery/actor.js';
import { approvalGate, type ChangeRequestLink } from './delivery/approval-gate.js';
import { asDialsError, DialsError } from './errors.js';
import { checkWritesReport, describeRefusals } from './fleet/schema-check.js';
import { markInProgress } from './in-progress.js';
import { failed, replacePlan, writePlan } from './release-plan.js';
import { inNamespace, namespaceOf, type Release, recordedChange, releaseId } from './releases.js';
import type { KeyValue, Source, Transactions, TxnCompare, TxnOp } from './types.js';

/** etcd refuses transactions of more than 128 operations by default (`--max-txn-ops`). */
export const MAX_TXN_OPS = 128;

export interface PublishKeysOptions {
  readonly message?: string;
  /** Who: recorded in the release. When the source authenticates (etcd auth), its user is recorded instead. */
  readonly author?: string;
  /** Compare-and-set: nothing is written if any key under `guardPrefix` changed after this revision. */
  readonly expectRevision?: number;
  /** The prefix `expectRevision` guards. */
  readonly guardPrefix?: string;
  /** Bind the written keys to a lease of this length: they disappear by themselves when it expires. */
  readonly ttlMs?: number;
  /** Release namespace (default: the guard prefix without its slashes, else the keys' common prefix). Every key must lie in it. */
  readonly namespace?: string;
  /** Called after each transaction with the number of changes written so far. */
  readonly onProgress?: (written: number, total: number) => void;
  /** Do not record a release. */
  readonly record?: boolean;
  /** Write even what a registered app schema refuses; the release records that it was forced, and what was refused. */
  readonly force?: boolean;
  readonly rollbackOf?: string;
  /** The gray release whose values this release writes for everyone (`promoteGray`). */
  readonly promotes?: string;
  /** Set by `applyChangeRequest()`: the write is that approved request's, which the policy gate lets through; the release links it and its approvers. */
  readonly changeRequest?: ChangeRequestLink;
  /**
   * A publish of more than one transaction is marked in progress (`/dials/in-progress/<namespace>`)
   * so that Dials readers apply it whole. Default true; false writes it as separate transactions.
   */
  readonly atomic?: boolean;
}

/** A change to one full key: `after` undefined deletes it. */
export interface KeyChange {
  readonly key: string;
  readonly after: string | undefined;
  /** `after` holds bytes one per character (a value that is not UTF-8, as `KeyValue.binary`). */
  readonly binary?: boolean;
}

/** A release's author when none is given: `DIALS_AUTHOR`, else the OS user (from the environment, else the account). */
export function defaultAuthor(): string {
  return environmentAuthor();
}

/** What `keys` hold now: one range read for many keys under one prefix; single reads otherwise. */
export async function readKeys(source: Source, keys: readonly string[]): Promise<Map<string, KeyValue>> {
  const found = new Map<string, KeyValue>();
  if (keys.length > 32) {
    const wanted = new Set(keys);
    for (const kv of (await source.list(commonPrefix(keys))).kvs) if (wanted.has(kv.key)) found.set(kv.key, kv);
  } else {
    await Promise.all(
      keys.map(async (key) => {
        const kv = await source.get(key);
        if (kv) found.set(key, kv);
      }),
    );
  }
  return found;
}

/** The deepest `/`-ended prefix every key shares: `/c/db/password` and `/c/database` share `/c/`. */
function commonDirectory(keys: readonly string[]): string {
  const prefix = commonPrefix(keys);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

function commonPrefix(keys: readonly string[]): string {
  let prefix = keys[0] ?? '';
  for (const key of keys) while (!key.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** What a change costs in a request: its key and value, and a little framing. */
const requestBytes = (change: KeyChange) => Buffer.byteLength(change.key) + Buffer.byteLength(change.after ?? '') + 16;

/** Split `list` into transactions of at most `maxOps` operations and two thirds of `maxBytes` (headroom for the request's framing). */
function batches(list: readonly KeyChange[], transactions: Transactions): KeyChange[][] {
  const out: KeyChange[][] = [[]];
  const budget = (transactions.maxBytes * 2) / 3;
  let bytes = 0;
  for (const change of list) {
    const size = requestBytes(change);
    const current = out.at(-1) as KeyChange[];
    if (current.length > 0 && (current.length >= transactions.maxOps || bytes + size > budget)) {
      out.push([]);
      bytes = 0;
    }
    (out.at(-1) as KeyChange[]).push(change);
    bytes += size;
  }
  return out;
}

/**
 * Write `changes` in transactions of at most 128 operations (one transaction when they fit, so
 * they apply atomically), compare-and-set, and record a release. Changes to what is already there
 * are left out; when nothing is left, nothing is written or recorded (`changes` is empty).
 *
 * Truthful about what it did: the plan is recorded first (so a missing grant or an oversize record
 * refuses before anything is written), then the transactions (later ones guarded by the revision of
 * the previous, so a concurrent writer stops a large publish with CONFLICT instead of interleaving),
 * then the release replaces the plan. If a transaction fails after others were written, the error
 * says how many, and the written part is recorded as a `partial` release (or, if even that cannot be
 * written, the plan stays as an `interrupted` one) that `rollbackRelease` undoes.
 */
export async function publishKeys(source: Source, changes: readonly KeyChange[], options: PublishKeysOptions = {}): Promise<Release> {
  const transactions = capability(source, 'transactions', 'publish');
  const unique = new Map<string, KeyChange>();
  for (const change of changes) unique.set(change.key, change);
  const asked = [...unique.values()];
  if (asked.length === 0) throw new DialsError('INVALID_ARGUMENT', 'publish: nothing to publish');
  const namespace = options.namespace ?? namespaceOf(options.guardPrefix ?? commonDirectory(asked.map((c) => c.key)));
  const outside = asked.filter((c) => !inNamespace(c.key, namespace)).map((c) => c.key);
  if (outside.length > 0) {
    throw new DialsError('INVALID_ARGUMENT', `publish: ${list5(outside)} lie outside namespace ${namespace}; nothing was written`, {
      key: outside[0],
    });
  }
  const huge = asked.find((c) => requestBytes(c) > transactions.maxBytes - 1024);
  if (huge) {
    throw new DialsError(
      'TOO_LARGE',
      `publish: ${huge.key} is ${Buffer.byteLength(huge.after ?? '')} bytes, over the ${transactions.maxBytes} bytes one etcd request may carry (--max-request-bytes); nothing was written`,
      { key: huge.key },
    );
  }
  const before = await readKeys(
    source,
    asked.map((c) => c.key),
  );
  // A change to what is already there changes nothing (unless it makes the key temporary).
  const list = asked.filter((c) => {
    const now = before.get(c.key);
    return options.ttlMs !== undefined || now?.value !== c.after || (now?.binary ?? false) !== (c.binary ?? false);
  });
  let base: Omit<Release, 'id' | 'revision' | 'changes'> = {
    namespace,
    author: source.user ?? options.author ?? defaultAuthor(),
    message: options.message ?? '',
    at: new Date().toISOString(),
    ...(options.rollbackOf ? { rollbackOf: options.rollbackOf } : {}),
    ...(options.promotes ? { promotes: options.promotes } : {}),
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    ...(options.changeRequest ? { changeRequest: options.changeRequest.id, approvers: options.changeRequest.approvers } : {}),
  };
  if (list.length === 0) return { ...base, id: '', revision: 0, changes: [] };
  await approvalGate(source, namespace, list, before, options.changeRequest);
  // The apps' own schemas guard the write: a refusal names the key and the apps, and nothing is written.
  const { refusals: refused, unchecked } = await checkWritesReport(source, list, namespace);
  if (unchecked.length > 0) base = { ...base, unchecked }; // schemas the writer may not read: the release says so
  if (refused.length > 0 && !options.force) {
    throw new DialsError(
      'INVALID_VALUE',
      `publish refused by the apps' schemas: ${describeRefusals(refused, list)}. Nothing was written (force: true writes anyway; in the CLI, --force).`,
      {
        key: refused[0]?.key,
        refused,
      },
    );
  }
  if (refused.length > 0) base = { ...base, forced: { refused } };
  const recorded = list.map((c) => recordedChange(c.key, before.get(c.key), c));
  const plan =
    options.record === false ? undefined : await writePlan(source, namespace, { ...base, id: '', revision: 0, changes: recorded });
  const lease =
    options.ttlMs === undefined ? undefined : await capability(source, 'leases', 'A temporary override (ttlMs)').grant(options.ttlMs);
  let guard = options.expectRevision;
  let firstRevision = 0;
  let revision = 0;
  let written = 0;
  const txns = batches(list, transactions);
  // More than one transaction: mark the release in progress, so Dials readers apply it whole.
  const clearMark =
    txns.length > 1 && options.atomic !== false
      ? await markInProgress(source, transactions, {
          release: plan ? (plan[0] as string).slice((plan[0] as string).lastIndexOf('/') + 1) : 'unrecorded',
          namespace,
          author: base.author,
          at: base.at,
          changes: list.length,
          transactions: txns.length,
        }).catch(async (error: unknown) => {
          if (plan) for (const key of plan) await source.delete(key).catch(() => undefined);
          throw error;
        })
      : undefined;
  try {
    return await writeTransactions();
  } finally {
    await clearMark?.();
  }

  async function writeTransactions(): Promise<Release> {
    for (const [n, batch] of txns.entries()) {
      const ops: TxnOp[] = batch.map((c) =>
        c.after === undefined ? { type: 'delete', key: c.key } : { type: 'put', key: c.key, value: c.after, lease, binary: c.binary },
      );
      const compare: TxnCompare[] =
        guard !== undefined && options.guardPrefix !== undefined
          ? [{ key: options.guardPrefix, prefix: true, op: 'less', modRevision: guard + 1 }]
          : batch.map((c) => ({ key: c.key, modRevision: before.get(c.key)?.modRevision ?? 0 }));
      let failure: DialsError | undefined;
      try {
        const result = await transactions.txn(ops, compare);
        if (!result.succeeded) failure = await conflict(source, batch, before, options, guard, result.revision);
        else {
          revision = result.revision;
          firstRevision ||= revision;
        }
      } catch (error) {
        failure = asDialsError(error, 'GENERAL');
      }
      if (failure) {
        const done = { ...base, id: releaseId(revision), revision, firstRevision, changes: recorded.slice(0, written) };
        throw await failed(source, failure, { plan, done, written, total: list.length, txn: n, txns: txns.length });
      }
      written += batch.length;
      if (guard !== undefined) guard = revision;
      options.onProgress?.(written, list.length);
    }
    const release: Release = { ...base, id: releaseId(revision), revision, firstRevision, changes: recorded };
    if (plan) await replacePlan(source, plan, release, list.length);
    return release;
  }
}

/** Up to five keys, and how many more: for messages. */
export function list5(keys: readonly string[]): string {
  return `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`;
}

/**
 * Why a transaction's compare failed: which keys moved, and the revision to retry from (the latest
 * of the moved keys, or the store's when a key was deleted).
 */
async function conflict(
  source: Source,
  batch: readonly KeyChange[],
  before: ReadonlyMap<string, KeyValue>,
  options: PublishKeysOptions,
  guard: number | undefined,
  current: number,
): Promise<DialsError> {
  let moved: (readonly [string, number])[];
  if (guard !== undefined && options.guardPrefix !== undefined) {
    moved = (await source.list(options.guardPrefix)).kvs
      .filter((kv) => kv.modRevision > guard)
      .map((kv) => [kv.key, kv.modRevision] as const);
  } else {
    const now = await Promise.all(batch.map(async (c) => [c.key, (await source.get(c.key))?.modRevision ?? 0] as const));
    moved = now.filter(([key, rev]) => rev !== (before.get(key)?.modRevision ?? 0));
  }
  const what = moved.length > 0 ? `${list5(moved.map(([key]) => key))} changed` : 'a key was deleted';
  const latest = moved.length > 0 ? Math.max(...moved.map(([, rev]) => rev)) : current;
  return new DialsError(
    'CONFLICT',
    `Publish conflict: ${what} since revision ${guard ?? 'read'} (now at revision ${latest}). Re-read and try again.`,
    {
      key: moved[0]?.[0],
      revision: latest,
    },
  );
}
