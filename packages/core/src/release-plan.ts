import { asDialsError, DialsError, messageOf } from './errors.js';
import { newPlanKey, putRecord, type Release, releaseKey } from './releases.js';
import type { Source } from './types.js';

// The plan of a publish: recorded before the first write, replaced by the release after the
// last, or by a partial release when a transaction fails, so a record always says what was written.

/** Record the plan before anything is written: a missing grant or an oversize record refuses here, having written nothing. */
export async function writePlan(source: Source, namespace: string, release: Release): Promise<string[]> {
  const key = newPlanKey(namespace);
  try {
    return await putRecord(source, key, { ...release, id: key.slice(key.lastIndexOf('/') + 1) });
  } catch (error) {
    const cause = asDialsError(error, 'GENERAL');
    throw new DialsError(
      cause.code,
      `Cannot record the release in ${namespace} (${cause.message}), so nothing was written. A writer needs write access to ${key.slice(0, key.lastIndexOf('/') + 1)} as well as to the keys.`,
      { key, cause },
    );
  }
}

/** Put the release where its plan was; the plan goes once the release is in. */
export async function replacePlan(source: Source, plan: readonly string[], release: Release, total: number): Promise<void> {
  try {
    await putRecord(source, releaseKey(release.namespace, release.id), release);
    for (const key of plan) await source.delete(key);
  } catch (error) {
    const planId = (plan[0] as string).slice((plan[0] as string).lastIndexOf('/') + 1);
    throw new DialsError(
      'GENERAL',
      `All ${total} changes were written (revision ${release.revision}), but recording release ${release.id} failed (${messageOf(error)}); its plan ${planId} stays in ${release.namespace}, listed as interrupted: rollback ${planId} undoes it.`,
      { cause: error, revision: release.revision },
    );
  }
}

/** A publish failed at transaction `txn`: say exactly what was written, and leave a record that can undo it. */
export async function failed(
  source: Source,
  failure: DialsError,
  at: { plan: string[] | undefined; done: Release; written: number; total: number; txn: number; txns: number },
): Promise<DialsError> {
  const { plan, done, written, total } = at;
  const details = { key: failure.key, revision: failure.revision, endpoint: failure.endpoint, cause: failure };
  if (written === 0) {
    if (plan) for (const key of plan) await source.delete(key).catch(() => undefined);
    return new DialsError(failure.code, `${failure.message.replace(/ Nothing was written\.$/, '')} Nothing was written.`, details);
  }
  const head = `Publish failed at transaction ${at.txn + 1} of ${at.txns}: ${written} of ${total} changes were written (up to revision ${done.revision}). ${failure.message}`;
  if (!plan) return new DialsError(failure.code, head, details);
  try {
    const partial: Release = { ...done, state: 'partial', planned: total };
    await replacePlan(source, plan, partial, written);
    return new DialsError(
      failure.code,
      `${head} The written part is recorded as release ${done.id} (partial): rollback ${done.id} undoes it.`,
      details,
    );
  } catch {
    const planId = (plan[0] as string).slice((plan[0] as string).lastIndexOf('/') + 1);
    return new DialsError(
      failure.code,
      `${head} Its plan ${planId} stays, listed as interrupted: rollback ${planId} undoes the written part.`,
      details,
    );
  }
}
