import { DialsError, messageOf } from './errors.js';
import type { Source } from './types.js';

/** Where releases are recorded: `/dials/releases/<namespace>/<id>`. */
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

/** `/config/shop/dev/` → `config/shop/dev`: a prefix without its outer slashes names its releases. */
export function namespaceOf(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? 'default' : trimmed;
}

/** A release's id: its revision, zero-padded so that keys sort by it. */
export function releaseId(revision: number): string {
  return String(revision).padStart(20, '0');
}

export function releaseKey(namespace: string, id: string): string {
  return `${RELEASES_PREFIX}${namespace}/${id.padStart(20, '0')}`;
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
  const key = releaseKey(namespace, id);
  const kv = await source.get(key);
  if (!kv) throw new DialsError('INVALID_ARGUMENT', `No release ${id} in namespace ${namespace}`, { key });
  return JSON.parse(kv.value) as Release;
}
