import {
  applyChangeRequest,
  approveChangeRequest,
  CHANGES_PREFIX,
  type ChangeRequest,
  cancelChangeRequest,
  createChangeRequest,
  getChangeRequest,
  isDialsError,
  listChangeRequests,
  redactRaw,
  rejectChangeRequest,
  requestApprovals,
  type Source,
  scheduleChangeRequest,
  unscheduleChangeRequest,
} from '@dials/core';
import { type Response, type Router, Router as router } from 'express';
import {
  ChangeRequestAction,
  type ChangeRequestList,
  type ChangeRequestResult,
  type ChangeRequestView,
  CreateChangeRequest,
  type DraftedInstead,
} from '../../api/delivery-contract.js';
import { body, HttpError, query, route, type SessionRequest } from '../http.js';
import { summary } from './release-summary.js';

/** The namespaces under `root` that hold records named by a last segment (`<namespace>/<id>`). */
export async function namespacesOf(source: Source, root: string): Promise<string[]> {
  const found = new Set<string>();
  for (const kv of (await source.list(root)).kvs) {
    const rest = kv.key.slice(root.length);
    const slash = rest.lastIndexOf('/');
    if (slash > 0) found.add(rest.slice(0, slash));
  }
  return [...found].sort();
}

/** A request as the UI shows it: secrets redacted, with the approvals its namespace requires now. */
export async function view(source: Source, cr: ChangeRequest): Promise<ChangeRequestView> {
  const required = await requestApprovals(
    source,
    cr.namespace,
    cr.changes.map((c) => c.key),
  ).catch(() => 1);
  return {
    id: cr.id,
    namespace: cr.namespace,
    author: cr.author,
    createdAt: cr.createdAt,
    title: cr.title,
    ...(cr.message ? { message: cr.message } : {}),
    baseRevision: cr.baseRevision,
    changes: cr.changes.map((c) => ({
      key: c.key,
      ...(c.before === undefined ? {} : { before: c.beforeBinary ? '(binary)' : redactRaw(c.key, c.before) }),
      ...(c.after === undefined ? {} : { after: c.binary ? '(binary)' : redactRaw(c.key, c.after) }),
    })),
    approvals: cr.approvals.map((a) => ({ ...a })),
    rejections: cr.rejections.map((a) => ({ ...a })),
    state: cr.state,
    ...(cr.schedule ? { schedule: { ...cr.schedule } } : {}),
    history: cr.history.map((e) => ({ ...e })),
    ...(cr.release ? { release: cr.release } : {}),
    required,
    writers: [...new Set([cr.author, ...cr.history.filter((e) => e.action === 'edited').map((e) => e.by)])],
  };
}

/** For a `.catch()` on a write: undefined when the namespace's policy refused it for want of approval, else the error again. */
export function approvalRequired(error: unknown): undefined {
  if (isDialsError(error) && error.code === 'APPROVAL_REQUIRED') return undefined;
  throw error;
}

/**
 * `route()` for the delivery routes: a refusal by a review policy (APPROVAL_REQUIRED: a gray release
 * or an apply in a namespace that requires more approvals) is a 403 with its code, message and key.
 */
export function deliveryRoute(fn: (req: SessionRequest, res: Response) => Promise<unknown>) {
  return route((req, res) =>
    fn(req, res).catch((error: unknown) => {
      if (!isDialsError(error) || error.code !== 'APPROVAL_REQUIRED') throw error;
      throw new HttpError(403, error.code, error.message, error.key);
    }),
  );
}

/**
 * A console write that the namespace's policy refuses without approval, drafted as a change request
 * instead (nothing is written to the config), answered `202`: the UI goes to it.
 */
export async function draftInstead(
  req: SessionRequest,
  res: Response,
  namespace: string,
  changes: readonly { key: string; after: string | undefined }[],
  message: string | undefined,
  source: Source = req.session.source,
): Promise<DraftedInstead> {
  const cr = await createChangeRequest(source, {
    namespace,
    ...(message ? { title: message.split('\n')[0]?.slice(0, 200) } : {}),
    ...(message ? { message } : {}),
    ...(req.session.user ? { author: req.session.user } : {}),
    changes,
  });
  res.status(202);
  return {
    changeRequest: { namespace: cr.namespace, id: cr.id },
    message: `${cr.namespace} requires approval: nothing was written; change request ${cr.id} was drafted for review`,
  };
}

/** The routes of the Change requests view: list, show, draft, review, apply, schedule. */
export function changeRoutes(): Router {
  const r = router();
  r.get(
    '/changes',
    route(async (req): Promise<ChangeRequestList> => {
      const namespace = typeof req.query.namespace === 'string' ? req.query.namespace : '';
      const source = req.session.source;
      const namespaces = await namespacesOf(source, CHANGES_PREFIX);
      const requests = namespace === '' ? [] : await listChangeRequests(source, namespace);
      return { namespace, namespaces, requests: await Promise.all(requests.map((cr) => view(source, cr))) };
    }),
  );
  r.get(
    '/change',
    route(async (req): Promise<ChangeRequestView> => {
      const source = req.session.source;
      return view(source, await getChangeRequest(source, query(req, 'namespace'), query(req, 'id')));
    }),
  );
  r.post(
    '/changes',
    route(async (req): Promise<ChangeRequestResult> => {
      const draft = body(req, CreateChangeRequest);
      const source = req.session.source;
      const cr = await createChangeRequest(source, {
        namespace: draft.namespace,
        ...(draft.title ? { title: draft.title } : {}),
        ...(draft.message ? { message: draft.message } : {}),
        ...(req.session.user ? { author: req.session.user } : {}),
        changes: draft.changes.map((c) => ({ key: c.key, after: c.value })),
      });
      return { request: await view(source, cr) };
    }),
  );
  r.post(
    '/changes/:action',
    deliveryRoute(async (req): Promise<ChangeRequestResult> => {
      const { namespace, id, comment, at } = body(req, ChangeRequestAction);
      const source = req.session.source;
      const by = req.session.user ? { by: req.session.user } : {};
      switch (req.params.action) {
        case 'approve':
          return { request: await view(source, await approveChangeRequest(source, namespace, id, { ...by, comment })) };
        case 'reject':
          return { request: await view(source, await rejectChangeRequest(source, namespace, id, { ...by, reason: comment })) };
        case 'cancel':
          return { request: await view(source, await cancelChangeRequest(source, namespace, id, by)) };
        case 'apply': {
          const result = await applyChangeRequest(source, namespace, id, by);
          return {
            request: await view(source, result.changeRequest),
            ...(result.release ? { release: summary(result.release) } : {}),
          };
        }
        case 'schedule':
          if (!at) throw new HttpError(400, 'INVALID_ARGUMENT', 'Bad request: at: when to apply it (an ISO time) is missing');
          return { request: await view(source, await scheduleChangeRequest(source, namespace, id, { ...by, at })) };
        case 'unschedule':
          return { request: await view(source, await unscheduleChangeRequest(source, namespace, id, by)) };
        default:
          throw new HttpError(404, 'NOT_FOUND', `No change request action ${JSON.stringify(req.params.action)}`);
      }
    }),
  );
  return r;
}
