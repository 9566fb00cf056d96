import { DialsError } from './errors.js';
import type { KeyValue, Source, Transactions } from './types.js';

/**
 * Where a release written in more than one transaction is marked while it is written:
 * `/dials/in-progress/<namespace>`, bound to the writer's lease. Dials readers that see the mark
 * hold their changes until it goes, then apply the release whole; if the writer dies, the lease
 * ends, the mark goes with it, and readers apply what etcd holds (`dials release resume|abort`).
 */
export const IN_PROGRESS_PREFIX = '/dials/in-progress/';

/** How long a dead writer's mark outlives it. Readers hold at most this long after the writer dies. */
const MARK_TTL_MS = 10_000;

/** What a mark says: which release (its plan), whose, since when, how big. */
export interface InProgressMark {
  readonly release: string;
  readonly namespace: string;
  readonly author: string;
  readonly at: string;
  readonly changes: number;
  readonly transactions: number;
}

export function inProgressKey(namespace: string): string {
  return `${IN_PROGRESS_PREFIX}${namespace}`;
}

/** The namespace a mark's key names. */
export function markNamespace(key: string): string {
  return key.slice(IN_PROGRESS_PREFIX.length);
}

/** Whether a release in `namespace` can touch keys under `prefix` (one lies within the other; `default` takes any key). */
export function markCovers(namespace: string, prefix: string): boolean {
  if (namespace === 'default') return true;
  const base = `/${namespace}/`;
  return prefix.startsWith(base) || base.startsWith(prefix);
}

/** The namespaces whose release could touch `prefix` from above: `/config/shop/prod/` → config, config/shop, config/shop/prod, default. */
export function enclosingNamespaces(prefix: string): string[] {
  const segments = prefix.split('/').filter(Boolean);
  const out = ['default'];
  for (let depth = 1; depth <= Math.min(segments.length, 6); depth++) out.push(segments.slice(0, depth).join('/'));
  return out;
}

export function parseMark(kv: KeyValue): InProgressMark | undefined {
  try {
    const mark = JSON.parse(kv.value) as InProgressMark;
    return typeof mark === 'object' && mark !== null && typeof mark.release === 'string' ? mark : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Mark `mark.namespace` in progress before the first of several transactions. Refused (CONFLICT,
 * nothing written) while another release is marked there: two large releases never interleave.
 * Returns what clears the mark. Without leases the source cannot mark (and readers cannot hold).
 */
export async function markInProgress(source: Source, transactions: Transactions, mark: InProgressMark): Promise<() => Promise<void>> {
  if (!source.leases) return async () => undefined;
  const key = inProgressKey(mark.namespace);
  const lease = await source.leases.keepAlive(MARK_TTL_MS);
  const result = await transactions
    .txn([{ type: 'put', key, value: JSON.stringify(mark), lease: lease.id }], [{ key, modRevision: 0 }])
    .catch(async (error: unknown) => {
      await lease.revoke().catch(() => undefined);
      throw error;
    });
  if (!result.succeeded) {
    await lease.revoke().catch(() => undefined);
    const current = await source.get(key);
    const other = current && parseMark(current);
    throw new DialsError(
      'CONFLICT',
      `Release ${other?.release ?? '(unreadable mark)'} by ${other?.author ?? 'someone'} is being written in ${mark.namespace} (since ${other?.at ?? 'revision ' + current?.modRevision}): try again when it is done. Nothing was written.`,
      { key, revision: current?.modRevision },
    );
  }
  return async () => {
    // Revoking the lease deletes the mark: readers apply the release as soon as they see that.
    await lease.revoke().catch(() => source.delete(key).catch(() => undefined));
  };
}
