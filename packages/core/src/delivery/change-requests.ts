import { capability } from '../capabilities.js';
import { DialsError } from '../errors.js';
import { namespaceOf } from '../releases.js';
import type { Source } from '../types.js';
import { actorOf } from './actor.js';
import {
  type ChangeRequest,
  type ChangeRequestState,
  changeRequestKey,
  checkSize,
  event,
  mutateChangeRequest,
  readChangeRequest,
} from './change-request.js';
import { type DraftChange, draftChanges } from './change-request-draft.js';
import { requestApprovals } from './policy.js';

export interface CreateChangeRequestOptions {
  /** The namespace it changes, e.g. `config/shop/production`: every key must lie in it. */
  readonly namespace: string;
  readonly title?: string;
  readonly message?: string;
  /** Who asks. When the source authenticates (etcd auth), its user is recorded instead. */
  readonly author?: string;
  readonly changes: readonly DraftChange[];
}

/** Titles are one line of text: shown by `dials cr ls`, escaped wherever they are shown. */
function titleOf(given: string | undefined, fallback: string): string {
  const title = (given ?? '').trim() || fallback;
  if (title.length > 200)
    throw new DialsError('INVALID_ARGUMENT', `A change request title is at most 200 characters (got ${title.length})`);
  return title;
}

/**
 * Draft a change request to `namespace`: the changes with what each key holds now (its base), in
 * state `open` until enough people other than its author approve it. Its id is an etcd revision.
 * Nothing is written to the config until `applyChangeRequest()`.
 *
 * @example
 * const cr = await createChangeRequest(source, {
 *   namespace: 'config/shop/production',
 *   title: 'bigger pool',
 *   changes: [{ key: '/config/shop/production/db/pool', after: '20' }],
 * });
 */
export async function createChangeRequest(source: Source, options: CreateChangeRequestOptions): Promise<ChangeRequest> {
  const transactions = capability(source, 'transactions', 'createChangeRequest');
  const namespace = namespaceOf(options.namespace);
  const author = actorOf(source, options.author);
  const title = titleOf(options.title, `${options.changes.length} change${options.changes.length === 1 ? '' : 's'} to ${namespace}`);
  const draft = await draftChanges(source, namespace, options.changes);
  for (let attempt = 0; attempt < 20; attempt++) {
    const { revision } = await source.list(`${changeRequestKey(namespace, '1')}\u0000`);
    const id = String(revision + 1);
    const cr: ChangeRequest = {
      id,
      namespace,
      author,
      createdAt: new Date().toISOString(),
      title,
      ...(options.message ? { message: options.message } : {}),
      baseRevision: draft.baseRevision,
      changes: draft.changes,
      approvals: [],
      rejections: [],
      state: 'open',
      history: [
        event(
          author,
          'created',
          `${draft.changes.length} change${draft.changes.length === 1 ? '' : 's'} at revision ${draft.baseRevision}`,
        ),
      ],
    };
    const key = changeRequestKey(namespace, id);
    const text = JSON.stringify(cr);
    checkSize(key, text);
    // Create-only: two requests drafted at once (the same revision) do not overwrite each other; the second takes the next id.
    if ((await transactions.txn([{ type: 'put', key, value: text }], [{ key, modRevision: 0 }])).succeeded) return cr;
  }
  throw new DialsError('CONFLICT', `Could not find a free change request id in ${namespace}; try again`);
}

/** Refuse `verb` unless the request is in one of `states`. */
function requireState(cr: ChangeRequest, verb: string, states: readonly ChangeRequestState[]): void {
  if (!states.includes(cr.state)) {
    const hint = cr.state === 'applied' && cr.release ? ` (release ${cr.release.replace(/^0+/, '')})` : '';
    throw new DialsError('INVALID_ARGUMENT', `Change request ${cr.id} is ${cr.state}${hint}: it cannot be ${verb}`, {
      key: changeRequestKey(cr.namespace, cr.id),
    });
  }
}

/** Whoever wrote the current changes: the author and everyone who edited them. None of them may approve. */
function writersOf(cr: ChangeRequest): Set<string> {
  return new Set([cr.author, ...cr.history.filter((e) => e.action === 'edited').map((e) => e.by)]);
}

/**
 * Approve a request as `by` (the etcd user when the source authenticates). Its author and its
 * editors cannot approve it, and each person approves once. It becomes `approved` when it has as
 * many approvals as the covering policies require (at least one; `applyChangeRequest()` checks the
 * policies again). Two approvals at once both land: each is a compare-and-set, retried on a race.
 */
export async function approveChangeRequest(
  source: Source,
  namespace: string,
  id: string,
  options: { readonly by?: string; readonly comment?: string } = {},
): Promise<ChangeRequest> {
  const by = actorOf(source, options.by);
  const { cr: current } = await readChangeRequest(source, namespace, id);
  const required = await requestApprovals(
    source,
    current.namespace,
    current.changes.map((c) => c.key),
  );
  const { cr } = await mutateChangeRequest(source, namespace, id, (cr) => {
    requireState(cr, 'approved', ['open', 'approved']);
    if (writersOf(cr).has(by)) throw new DialsError('INVALID_ARGUMENT', `${by} wrote change request ${cr.id} and cannot approve it`);
    if (cr.approvals.some((a) => a.by === by))
      throw new DialsError('INVALID_ARGUMENT', `${by} has already approved change request ${cr.id}`);
    const approvals = [...cr.approvals, { by, at: new Date().toISOString(), ...(options.comment ? { reason: options.comment } : {}) }];
    return {
      ...cr,
      approvals,
      state: approvals.length >= required ? 'approved' : 'open',
      history: [...cr.history, event(by, 'approved', `${approvals.length} of ${required} approval${required === 1 ? '' : 's'}`)],
    };
  });
  return cr;
}

/** Reject a request (not its author: the author cancels). It stays rejected until edited. */
export async function rejectChangeRequest(
  source: Source,
  namespace: string,
  id: string,
  options: { readonly by?: string; readonly reason?: string } = {},
): Promise<ChangeRequest> {
  const by = actorOf(source, options.by);
  const { cr } = await mutateChangeRequest(source, namespace, id, (cr) => {
    requireState(cr, 'rejected', ['open', 'approved']);
    if (cr.author === by)
      throw new DialsError('INVALID_ARGUMENT', `${by} wrote change request ${cr.id}: cancel it instead of rejecting it`);
    const { schedule: _, ...rest } = cr;
    return {
      ...rest,
      state: 'rejected',
      rejections: [...cr.rejections, { by, at: new Date().toISOString(), ...(options.reason ? { reason: options.reason } : {}) }],
      history: [...cr.history, event(by, 'rejected', options.reason)],
    };
  });
  return cr;
}

/** Cancel a request: it will never be applied (nor scheduled). */
export async function cancelChangeRequest(source: Source, namespace: string, id: string, options: { readonly by?: string } = {}) {
  const by = actorOf(source, options.by);
  const { cr } = await mutateChangeRequest(source, namespace, id, (cr) => {
    requireState(cr, 'cancelled', ['open', 'approved', 'rejected']);
    const { schedule: _, ...rest } = cr;
    return { ...rest, state: 'cancelled', history: [...cr.history, event(by, 'cancelled')] };
  });
  return cr;
}

/**
 * Replace a request's changes (re-read at a new base revision). Its approvals and rejections are
 * voided, it is `open` again, and a scheduled apply is cancelled: what was reviewed is not what it holds now.
 */
export async function editChangeRequest(
  source: Source,
  namespace: string,
  id: string,
  options: { readonly changes: readonly DraftChange[]; readonly title?: string; readonly by?: string },
): Promise<ChangeRequest> {
  const by = actorOf(source, options.by);
  const draft = await draftChanges(source, namespace, options.changes);
  const { cr } = await mutateChangeRequest(source, namespace, id, (cr) => {
    requireState(cr, 'edited', ['open', 'approved', 'rejected']);
    const voided = cr.approvals.length > 0 ? `; ${cr.approvals.length} approval${cr.approvals.length === 1 ? '' : 's'} voided` : '';
    const unscheduled = cr.schedule ? `; the apply scheduled at ${cr.schedule.at} is cancelled` : '';
    const { schedule: _, ...rest } = cr;
    return {
      ...rest,
      title: options.title === undefined ? cr.title : titleOf(options.title, cr.title),
      baseRevision: draft.baseRevision,
      changes: draft.changes,
      approvals: [],
      rejections: [],
      state: 'open',
      history: [
        ...cr.history,
        event(
          by,
          'edited',
          `${draft.changes.length} change${draft.changes.length === 1 ? '' : 's'} at revision ${draft.baseRevision}${voided}${unscheduled}`,
        ),
      ],
    };
  });
  return cr;
}

/**
 * Have the scheduler (`startScheduler()` in @dials/discovery, `dials scheduler`) apply the request
 * at `at`. It must be approved by then; an edit cancels the schedule, and so does a key that moved.
 */
export async function scheduleChangeRequest(
  source: Source,
  namespace: string,
  id: string,
  options: { readonly at: string | Date; readonly by?: string; readonly now?: number },
): Promise<ChangeRequest> {
  const by = actorOf(source, options.by);
  const time = typeof options.at === 'string' ? Date.parse(options.at) : options.at.getTime();
  if (Number.isNaN(time))
    throw new DialsError('INVALID_ARGUMENT', `Not a time: ${JSON.stringify(String(options.at))} (e.g. 2026-12-01T09:00Z)`);
  if (time <= (options.now ?? Date.now())) throw new DialsError('INVALID_ARGUMENT', `${new Date(time).toISOString()} is in the past`);
  const at = new Date(time).toISOString();
  const { cr } = await mutateChangeRequest(source, namespace, id, (cr) => {
    requireState(cr, 'scheduled', ['open', 'approved']);
    return { ...cr, schedule: { at, by }, history: [...cr.history, event(by, 'scheduled', `to be applied at ${at}`)] };
  });
  return cr;
}

/** Take a request off the schedule. */
export async function unscheduleChangeRequest(source: Source, namespace: string, id: string, options: { readonly by?: string } = {}) {
  const by = actorOf(source, options.by);
  const { cr } = await mutateChangeRequest(source, namespace, id, (cr) => {
    if (!cr.schedule) throw new DialsError('INVALID_ARGUMENT', `Change request ${cr.id} is not scheduled`);
    const { schedule, ...rest } = cr;
    return { ...rest, history: [...cr.history, event(by, 'unscheduled', `was to be applied at ${schedule.at}`)] };
  });
  return cr;
}
