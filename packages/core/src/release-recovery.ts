import { DialsError } from './errors.js';
import { IN_PROGRESS_PREFIX, type InProgressMark, inProgressKey, parseMark } from './in-progress.js';
import { type KeyChange, list5, publishKeys, readKeys } from './publish.js';
import { listReleases, matches, putRecord, type Release, releaseId, releaseKey } from './releases.js';
import { rollbackPlan } from './rollback.js';
import type { Source } from './types.js';

/** Releases being written now (their marks), and those whose writer died part-way (their plans). */
export interface UnfinishedReleases {
  readonly inProgress: readonly InProgressMark[];
  readonly interrupted: readonly Release[];
}

/** What is unfinished in `namespace` (or everywhere, for the marks, without one). */
export async function unfinishedReleases(source: Source, namespace?: string): Promise<UnfinishedReleases> {
  const marks = (await source.list(namespace ? inProgressKey(namespace) : IN_PROGRESS_PREFIX)).kvs
    .filter((kv) => !namespace || kv.key === inProgressKey(namespace))
    .map(parseMark)
    .filter((m): m is InProgressMark => m !== undefined);
  // A plan whose mark stands is being written, not interrupted.
  const interrupted = namespace
    ? (await listReleases(source, namespace, { limit: 1000 })).filter(
        (r) => r.state === 'interrupted' && !marks.some((m) => m.release === r.id),
      )
    : [];
  return { inProgress: marks, interrupted };
}

/** Refuse to touch a release whose writer is still at work (its mark stands). */
async function assertWriterGone(source: Source, release: Release): Promise<void> {
  const kv = await source.get(inProgressKey(release.namespace));
  const mark = kv && parseMark(kv);
  if (mark?.release === release.id) {
    throw new DialsError(
      'CONFLICT',
      `Release ${release.id} is still being written by ${mark.author} (its mark ${kv?.key} stands while the writer lives): wait for it. Nothing was written.`,
      { key: kv?.key },
    );
  }
}

function assertInterrupted(release: Release, what: string): void {
  if (release.state !== 'interrupted') {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `${what} ${release.id}: it is not an interrupted release (a plan whose writer died part-way); ${release.state === 'partial' ? 'a partial one is undone with rollback' : 'it was written whole'}. Nothing was written.`,
    );
  }
}

/** The plan's keys: its header and its parts. */
async function planKeys(source: Source, release: Release): Promise<string[]> {
  const key = releaseKey(release.namespace, release.id);
  return [key, ...(await source.list(`${key}/`)).kvs.map((kv) => kv.key)];
}

/**
 * Finish a release whose writer died part-way: write the planned changes not yet in place, held
 * for readers like any release of several transactions, and record the whole as one release in
 * place of the plan. A value the plan keeps only as a digest (a secret, a value over 64 KiB) cannot
 * be written from it: refused, naming the keys, unless they are already in place.
 */
export async function resumeRelease(
  source: Source,
  release: Release,
  options: { author?: string; message?: string } = {},
): Promise<Release> {
  assertInterrupted(release, 'Cannot resume');
  await assertWriterGone(source, release);
  const now = await readKeys(
    source,
    release.changes.map((c) => c.key),
  );
  const remaining = release.changes.filter((c) => !matches(c, 'after', now.get(c.key)?.value));
  // A key that is neither as the plan found it nor as it would leave it was written since: resuming
  // would overwrite that newer write.
  const moved = remaining.filter((c) => !matches(c, 'before', now.get(c.key)?.value)).map((c) => c.key);
  if (moved.length > 0) {
    throw new DialsError(
      'CONFLICT',
      `Cannot resume ${release.id}: ${list5(moved)} changed after the plan was made (neither its before nor its after), and resuming would overwrite that. Abort it, or publish the remaining keys yourself. Nothing was written.`,
      { key: moved[0] },
    );
  }
  const unknown = remaining.filter((c) => c.digests?.after !== undefined).map((c) => c.key);
  if (unknown.length > 0) {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `Cannot resume ${release.id}: its record keeps only a digest of ${list5(unknown)} (a secret or a large value), so it cannot write them. Abort it, or publish those keys again. Nothing was written.`,
      { key: unknown[0] },
    );
  }
  const changes: KeyChange[] = remaining.map((c) => ({ key: c.key, after: c.after, ...(c.binary?.after ? { binary: true } : {}) }));
  const written =
    changes.length === 0
      ? undefined
      : await publishKeys(source, changes, { namespace: release.namespace, author: options.author, record: false });
  // One record for the whole: from the plan's first transaction to the resume's last.
  const revision = written?.revision ?? (await source.list(`/${release.namespace}/`)).revision;
  const whole: Release = {
    ...release,
    id: releaseId(revision),
    revision,
    state: 'done',
    // Dated when it was finished, as its revision is.
    at: new Date().toISOString(),
    message: options.message ?? `${release.message}${release.message ? ' ' : ''}(resumed after its writer died)`,
  };
  const keys = await planKeys(source, release);
  await putRecord(source, releaseKey(whole.namespace, whole.id), whole);
  for (const key of keys) await source.delete(key);
  return whole;
}

/** Undo the part of an interrupted release that was written (a rollback, itself a release), and drop its plan. */
export async function abortRelease(
  source: Source,
  release: Release,
  options: { author?: string; message?: string } = {},
): Promise<Release> {
  assertInterrupted(release, 'Cannot abort');
  await assertWriterGone(source, release);
  const keys = await planKeys(source, release);
  // Nothing of it written: nothing to undo, only the plan to drop.
  const plan = await rollbackPlan(source, release);
  const undo =
    plan.length === 0
      ? undefined
      : await publishKeys(source, plan, {
          author: options.author,
          // The values it restores are those the apps ran with before.
          force: true,
          namespace: release.namespace,
          rollbackOf: release.id,
          message: options.message ?? `abort of ${release.id}${release.message ? ` (${release.message})` : ''}, whose writer died part-way`,
        });
  for (const key of keys) await source.delete(key);
  return undo ?? { ...release, id: '', changes: [], state: 'done', message: `abort of ${release.id}: nothing of it was written` };
}
