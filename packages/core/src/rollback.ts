import { DialsError } from './errors.js';
import { type KeyChange, type PublishKeysOptions, publishKeys, readKeys } from './publish.js';
import { inNamespace, matches, type Release, type ReleaseChange } from './releases.js';
import type { Source } from './types.js';

/**
 * What rolling back `release` would write: each key back to its value before the release. Refused
 * (nothing written) when the record lists a key outside its namespace, when etcd's history still
 * holds the release's revisions and disagrees with the record (a forged or damaged record), or
 * when a value left out of the record (a secret, a large value) can no longer be read from etcd's history. For
 * an interrupted release, only the changes that were written are undone.
 */
export async function rollbackPlan(source: Source, release: Release): Promise<KeyChange[]> {
  // A gray release never wrote its keys: there is nothing to undo but its overlay.
  const gray = release.gray?.id ?? release.abandons;
  if (gray !== undefined) {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `Release ${release.id} ${release.gray ? 'is' : 'abandoned'} gray release ${gray}, which never wrote its keys: abandon it (dials gray abandon ${gray}), or roll back the release that promoted it. Nothing was written.`,
    );
  }
  const outside = release.changes.filter((c) => !inNamespace(c.key, release.namespace)).map((c) => c.key);
  if (outside.length > 0) {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `Rollback of release ${release.id} refused: its record in ${release.namespace} lists ${outside.slice(0, 5).join(', ')}, outside that namespace. A record may only undo its own namespace (is it forged?). Nothing was written.`,
      { key: outside[0] },
    );
  }
  const changes = release.state === 'interrupted' ? await writtenPart(source, release.changes) : release.changes;
  const problems: string[] = [];
  const plan: KeyChange[] = [];
  // History reads, 64 at a time: a release of thousands of keys is checked in seconds, not minutes.
  for (let start = 0; start < changes.length; start += 64) {
    const slice = changes.slice(start, start + 64);
    const befores = await Promise.all(slice.map((change) => valueBefore(source, release, change, problems)));
    slice.forEach((change, i) => {
      const before = befores[i];
      if (before !== null) plan.push({ key: change.key, after: before, ...(change.binary?.before ? { binary: true } : {}) });
    });
  }
  if (problems.length > 0) {
    throw new DialsError(
      'CONFLICT',
      `Rollback of release ${release.id} refused, nothing was written: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
      { key: release.changes[0]?.key },
    );
  }
  return plan;
}

/** Publish the inverse of `release` (itself recorded as a release); see `rollbackPlan` for what it refuses. */
export async function rollbackRelease(
  source: Source,
  release: Release,
  options: Pick<PublishKeysOptions, 'author' | 'message' | 'force'> = {},
): Promise<Release> {
  const plan = await rollbackPlan(source, release);
  return publishKeys(source, plan, {
    author: options.author,
    force: options.force,
    message: options.message ?? `rollback of ${release.id}${release.message ? ` (${release.message})` : ''}`,
    namespace: release.namespace,
    rollbackOf: release.id,
  });
}

/**
 * The value `change.key` had before the release, checked against etcd's history where it still
 * holds the release's revisions; null (with a problem noted) when it cannot be known or disagrees.
 */
async function valueBefore(
  source: Source,
  release: Release,
  change: ReleaseChange,
  problems: string[],
): Promise<string | undefined | null> {
  const first = release.firstRevision ?? release.revision;
  const then = source.history && first > 0 ? await source.history.getAt(change.key, first - 1) : 'compacted';
  if (then !== 'compacted') {
    if (!matches(change, 'before', then?.value)) {
      problems.push(`${change.key} held something else before revision ${first} than the record says`);
      return null;
    }
    if (release.state !== 'interrupted' && source.history) {
      const after = await source.history.getAt(change.key, release.revision);
      if (after !== 'compacted' && (after?.modRevision ?? first) >= first && !matches(change, 'after', after?.value)) {
        problems.push(`${change.key} was not written by this release as its record says`);
        return null;
      }
    }
    return then?.value;
  }
  if (change.digests?.before !== undefined) {
    problems.push(
      `${change.key}'s old value is not in the record (${change.before}), and etcd no longer keeps revision ${first - 1} to read it from: set it by hand`,
    );
    return null;
  }
  return change.before;
}

/** Of an interrupted release's planned changes, those that are in place now (each transaction applied whole or not at all). */
async function writtenPart(source: Source, changes: readonly ReleaseChange[]): Promise<ReleaseChange[]> {
  const now = await readKeys(
    source,
    changes.map((c) => c.key),
  );
  return changes.filter((c) => matches(c, 'after', now.get(c.key)?.value) && !matches(c, 'before', now.get(c.key)?.value));
}
