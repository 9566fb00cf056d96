import { type ZodType, z } from 'zod';
import {
  type ChangeRequestAction,
  ChangeRequestList,
  ChangeRequestResult,
  ChangeRequestView,
  type CreateChangeRequest,
  DraftedInstead,
} from '../../../src/api/delivery-contract.ts';
import { call, query } from '../app/api.ts';
import { encodePath, navigate } from '../app/router.tsx';

/** Every HTTP call of the Change requests view. */

/** A namespace's requests, newest first; with no namespace, the namespaces that have requests. */
export const loadChanges = (namespace: string) => call(ChangeRequestList, `/changes${query({ namespace: namespace || undefined })}`);

export const loadChange = (namespace: string, id: string) => call(ChangeRequestView, `/change${query({ namespace, id })}`);

export const createChange = (draft: CreateChangeRequest) => call(ChangeRequestResult, '/changes', { method: 'POST', body: draft });

export type Action = 'approve' | 'reject' | 'apply' | 'cancel' | 'schedule' | 'unschedule';

export const act = (action: Action, request: ChangeRequestAction) =>
  call(ChangeRequestResult, `/changes/${action}`, { method: 'POST', body: request });

/** The console path of one request (`/changes/config/shop/prod/42`) or of a namespace's list. */
export const changePath = (namespace: string, id?: string) => `/changes/${encodePath(namespace)}${id ? `/${id}` : ''}`;

/** Split a location under `/changes/` into its namespace and (a last segment of digits) its request id. */
export function parseChangePath(rest: string): { namespace: string; id?: string } {
  const trimmed = rest.replace(/\/+$/, '');
  const match = /^(.*)\/([1-9][0-9]*)$/.exec(trimmed);
  return match ? { namespace: match[1] as string, id: match[2] as string } : { namespace: trimmed };
}

/**
 * A write of another view (a key, a flag, a promote, a rollback). When its namespace requires
 * approval the server drafts a change request instead (202): the page goes to it and this answers
 * undefined.
 */
export async function writeOrDraft<T>(
  schema: ZodType<T>,
  path: string,
  options: { method: string; body?: unknown },
): Promise<T | undefined> {
  const result = await call(z.union([DraftedInstead, schema]), path, options);
  const drafted = DraftedInstead.safeParse(result);
  if (!drafted.success) return result as T;
  navigate(changePath(drafted.data.changeRequest.namespace, drafted.data.changeRequest.id));
  return undefined;
}
