import { listReleases } from '../releases.js';
import type { Source } from '../types.js';

/** A key whose last write is no release's: `etcdctl put`, another etcd client, or a write that recorded none. */
export interface OutsideRelease {
  readonly key: string;
  /** The revision it was last written at. */
  readonly revision: number;
}

/**
 * The keys under `namespace` whose mod revision lies in no release's revisions (`firstRevision` to
 * `revision`). Best-effort: only the last `limit` releases are read, so a key last written before
 * the oldest of them is not judged; a delete leaves no key to list; and a large release written in
 * several transactions covers any write that landed between them.
 */
export async function outsideReleases(source: Source, namespace: string, limit = 50): Promise<OutsideRelease[]> {
  // The default namespace takes any key: judging the whole keyspace is not a fleet report's job.
  if (namespace === 'default') return [];
  const releases = await listReleases(source, namespace, { limit });
  const ranges = releases
    .filter((r) => r.state !== 'interrupted' && r.revision > 0)
    .map((r) => [r.firstRevision || r.revision, r.revision] as const);
  // With every release in hand, any key can be judged; else only those written since the oldest one read.
  const since = releases.length < limit ? 0 : Math.min(...ranges.map(([first]) => first));
  const { kvs } = await source.list(`/${namespace}/`);
  return kvs
    .filter((kv) => kv.modRevision >= since && !ranges.some(([first, last]) => kv.modRevision >= first && kv.modRevision <= last))
    .map((kv) => ({ key: kv.key, revision: kv.modRevision }));
}
