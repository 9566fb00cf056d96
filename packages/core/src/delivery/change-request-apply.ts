import { asDialsError, DialsError } from '../errors.js';
import { publishKeys } from '../publish.js';
import { listReleases, type Release } from '../releases.js';
import type { Source } from '../types.js';
import { actorOf } from './actor.js';
import { type ChangeRequest, event, mutateChangeRequest, readChangeRequest } from './change-request.js';
import { requestApprovals } from './policy.js';

export interface ApplyChangeRequestOptions {
  /** Who applies it (recorded in the release and the request). When the source authenticates, its user. */
  readonly by?: string;
  /**
   * Set by the scheduler: apply only while the request is still scheduled at this time. What stops
   * it (not approved by then, a key that moved) cancels the schedule, with the reason in the
   * request's history, and comes back as `notApplied` instead of an error.
   */
  readonly scheduledAt?: string;
}

export interface ApplyChangeRequestResult {
  readonly changeRequest: ChangeRequest;
  /** The release that applied it; undefined when every key already held its value, or when it was not applied. */
  readonly release?: Release;
  /** Why a scheduled apply did not happen (its schedule is cancelled, unless etcd was unreachable: then it is retried). */
  readonly notApplied?: string;
  /** A scheduled apply that failed for a passing reason (etcd unreachable) and stays scheduled. */
  readonly retry?: boolean;
}

/** Failures that may pass: a scheduled apply stays scheduled and is tried again. */
const PASSING = new Set(['UNAVAILABLE', 'TIMEOUT']);

class NotScheduled extends Error {}

/**
 * Apply an approved change request through `publishKeys`: compare-and-set against its base
 * revision (nothing is written if any of its keys moved since: CONFLICT naming the key, recorded
 * in the request's history), recorded as a release that links the request and its approvers.
 *
 * The request is first claimed (a compare-and-set on its record), so two processes applying it at
 * once (a scheduler that lost its lease and its successor) write it once: the second one's
 * compare-and-set on the keys fails, and it finds the first one's release.
 */
export async function applyChangeRequest(
  source: Source,
  namespace: string,
  id: string,
  options: ApplyChangeRequestOptions = {},
): Promise<ApplyChangeRequestResult> {
  const by = actorOf(source, options.by);
  const { cr: current } = await readChangeRequest(source, namespace, id);
  // A previous apply that stopped after writing, before it recorded that here: its release says so.
  if (current.applying && current.state === 'approved') {
    const done = await linkedRelease(source, current);
    if (done) return finish(source, current, by, done);
  }
  const required = await requestApprovals(
    source,
    current.namespace,
    current.changes.map((c) => c.key),
  );
  let claimed: ChangeRequest;
  try {
    ({ cr: claimed } = await mutateChangeRequest(source, namespace, id, (cr) => {
      if (options.scheduledAt !== undefined && cr.schedule?.at !== options.scheduledAt) throw new NotScheduled();
      if (cr.state !== 'approved') {
        const hint = cr.state === 'applied' && cr.release ? ` (release ${cr.release.replace(/^0+/, '')})` : '';
        throw new DialsError('INVALID_ARGUMENT', `Change request ${cr.id} is ${cr.state}${hint}, not approved: it cannot be applied`);
      }
      if (cr.approvals.length < required) {
        throw new DialsError(
          'APPROVAL_REQUIRED',
          `Change request ${cr.id} has ${cr.approvals.length} of the ${required} approvals it needs`,
        );
      }
      return { ...cr, applying: { by, at: new Date().toISOString() } };
    }));
  } catch (error) {
    if (error instanceof NotScheduled)
      return { changeRequest: (await readChangeRequest(source, namespace, id)).cr, notApplied: 'no longer scheduled then' };
    if (options.scheduledAt === undefined || !(error instanceof DialsError)) throw error;
    return { changeRequest: await unschedule(source, current, by, `not applied at its time: ${error.message}`), notApplied: error.message };
  }
  const approvers = claimed.approvals.map((a) => a.by);
  let release: Release;
  try {
    release = await publishKeys(
      source,
      claimed.changes.map((c) => ({ key: c.key, after: c.after, ...(c.binary ? { binary: true } : {}) })),
      {
        namespace: claimed.namespace,
        author: by,
        message: `change request ${claimed.id}: ${claimed.title}`,
        changeRequest: { namespace: claimed.namespace, id: claimed.id, approvers },
      },
    );
  } catch (error) {
    const failure = asDialsError(error, 'GENERAL');
    // Another process applying this same request got there first: the keys moved because of it.
    const done = failure.code === 'CONFLICT' ? await linkedRelease(source, claimed) : undefined;
    if (done) return finish(source, claimed, by, done);
    return failed(source, claimed, by, failure, options.scheduledAt !== undefined);
  }
  return finish(source, claimed, by, release);
}

/** The release that applied `cr`, when one did (among the namespace's last 200). */
async function linkedRelease(source: Source, cr: ChangeRequest): Promise<Release | undefined> {
  const releases = await listReleases(source, cr.namespace, 200);
  return releases.find((r) => r.changeRequest === cr.id && r.state !== 'interrupted' && r.revision > cr.baseRevision);
}

/** Record that `cr` was applied by `release` (empty id: nothing needed to change). */
async function finish(source: Source, cr: ChangeRequest, by: string, release: Release): Promise<ApplyChangeRequestResult> {
  const detail =
    release.id === ''
      ? 'nothing to change: every key already held its value'
      : `release ${release.id.replace(/^0+/, '')} (revision ${release.revision}), approved by ${(release.approvers ?? []).join(', ')}`;
  try {
    const { cr: applied } = await mutateChangeRequest(source, cr.namespace, cr.id, (now) => {
      if (now.state === 'applied') return now;
      const { applying: _, schedule: __, ...rest } = now;
      return {
        ...rest,
        state: 'applied',
        ...(release.id ? { release: release.id } : {}),
        history: [...now.history, event(by, 'applied', detail)],
      };
    });
    return { changeRequest: applied, ...(release.id ? { release } : {}) };
  } catch (error) {
    throw new DialsError(
      'GENERAL',
      `Change request ${cr.id} was applied (${detail}), but recording that on the request failed (${asDialsError(error, 'GENERAL').message}); dials cr apply ${cr.id} records it`,
      { cause: error, revision: release.revision },
    );
  }
}

/** Record why applying failed: a conflict (or anything that will not pass by itself) cancels the schedule too. */
async function failed(
  source: Source,
  cr: ChangeRequest,
  by: string,
  failure: DialsError,
  scheduled: boolean,
): Promise<ApplyChangeRequestResult> {
  const passing = PASSING.has(failure.code);
  const keepSchedule = passing || (!scheduled && failure.code !== 'CONFLICT');
  const cancelled = cr.schedule && !keepSchedule ? ` The apply scheduled at ${cr.schedule.at} is cancelled.` : '';
  const recorded = await mutateChangeRequest(source, cr.namespace, cr.id, (now) => {
    const { applying: _, schedule, ...rest } = now;
    return {
      ...rest,
      ...(schedule && keepSchedule ? { schedule } : {}),
      history: [...now.history, event(by, failure.code === 'CONFLICT' ? 'conflict' : 'failed', `${failure.message}${cancelled}`)],
    };
  }).catch(() => undefined);
  if (!scheduled) throw failure;
  return { changeRequest: recorded?.cr ?? cr, notApplied: failure.message, ...(passing ? { retry: true } : {}) };
}

/** Take `cr` off the schedule with `reason` in its history. */
async function unschedule(source: Source, cr: ChangeRequest, by: string, reason: string): Promise<ChangeRequest> {
  const { cr: after } = await mutateChangeRequest(source, cr.namespace, cr.id, (now) => {
    if (!now.schedule) return now;
    const { schedule: _, ...rest } = now;
    return { ...rest, history: [...now.history, event(by, 'schedule-cancelled', reason)] };
  });
  return after;
}
