import { capability } from '../capabilities.js';
import { DialsError, messageOf } from '../errors.js';
import { namespaceOf } from '../releases.js';
import type { KeyValue, Source } from '../types.js';

/**
 * Where change requests live: `/dials/changes/<namespace>/<id>`. A request holds the real values it
 * will write (secrets too): protect this prefix as the config itself (`dials rbac` grants it to the
 * namespace's operators only).
 */
export const CHANGES_PREFIX = '/dials/changes/';

export type ChangeRequestState = 'open' | 'approved' | 'rejected' | 'applied' | 'cancelled';

/** One key of a request: its value at the request's base revision and the value it will write (undefined: absent, deleted). */
export interface ChangeRequestChange {
  readonly key: string;
  readonly before?: string;
  readonly after?: string;
  /** `after` is bytes that are not UTF-8, one per character (as `KeyValue.binary`). */
  readonly binary?: boolean;
  /** Likewise for `before`. */
  readonly beforeBinary?: boolean;
}

export interface ChangeRequestReview {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

export type ChangeRequestAction =
  | 'created'
  | 'edited'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'scheduled'
  | 'unscheduled'
  | 'schedule-cancelled'
  | 'applied'
  | 'conflict'
  | 'failed';

export interface ChangeRequestEvent {
  readonly at: string;
  readonly by: string;
  readonly action: ChangeRequestAction;
  readonly detail?: string;
}

/** A reviewed change to one namespace: the diff, the revision it was made against, its reviews, schedule and history. */
export interface ChangeRequest {
  readonly id: string;
  readonly namespace: string;
  readonly author: string;
  readonly createdAt: string;
  readonly title: string;
  readonly message?: string;
  /** The etcd revision the `before` values were read at: applying it is a compare-and-set against it. */
  readonly baseRevision: number;
  readonly changes: readonly ChangeRequestChange[];
  readonly approvals: readonly ChangeRequestReview[];
  readonly rejections: readonly ChangeRequestReview[];
  readonly state: ChangeRequestState;
  /** When the scheduler applies it (an ISO time), and who asked. */
  readonly schedule?: { readonly at: string; readonly by: string };
  /** Set while a process applies it (cleared when done): who, since when. */
  readonly applying?: { readonly by: string; readonly at: string };
  readonly history: readonly ChangeRequestEvent[];
  /** The release that applied it. */
  readonly release?: string;
}

/** Ids are etcd revisions: short, unique in the cluster, and increasing with time. */
const ID = /^[1-9][0-9]{0,19}$/;

export function changeRequestKey(namespace: string, id: string): string {
  if (!ID.test(id)) {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `Not a change request id: ${JSON.stringify(id)} (ids are numbers, as dials cr ls shows them)`,
      {
        key: `${CHANGES_PREFIX}${namespaceOf(namespace)}/`,
      },
    );
  }
  return `${CHANGES_PREFIX}${namespaceOf(namespace)}/${id}`;
}

const STATES: readonly string[] = ['open', 'approved', 'rejected', 'applied', 'cancelled'];
const isText = (v: unknown): v is string => typeof v === 'string';
const isReview = (v: unknown) =>
  typeof v === 'object' && v !== null && isText((v as ChangeRequestReview).by) && isText((v as ChangeRequestReview).at);
const isChange = (v: unknown) => {
  const c = v as ChangeRequestChange;
  return (
    typeof v === 'object' &&
    v !== null &&
    isText(c.key) &&
    (c.before === undefined || isText(c.before)) &&
    (c.after === undefined || isText(c.after))
  );
};

/** Why `value` is not a change request record, or undefined when it is one. */
function malformed(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  for (const field of ['id', 'namespace', 'author', 'createdAt', 'title'] as const) if (!isText(r[field])) return `${field} is not text`;
  if (!ID.test(r.id as string)) return 'id is not a number';
  if (!Number.isInteger(r.baseRevision)) return 'baseRevision is not a whole number';
  if (!isText(r.state) || !STATES.includes(r.state)) return `state is not one of ${STATES.join(', ')}`;
  if (!Array.isArray(r.changes) || !r.changes.every(isChange)) return 'changes are not a list of { key, before?, after? }';
  for (const field of ['approvals', 'rejections'] as const)
    if (!Array.isArray(r[field]) || !(r[field] as unknown[]).every(isReview)) return `${field} are not a list of { by, at }`;
  if (!Array.isArray(r.history)) return 'history is not a list';
  const schedule = r.schedule as { at?: unknown } | undefined;
  if (
    schedule !== undefined &&
    (typeof schedule !== 'object' || schedule === null || !isText(schedule.at) || Number.isNaN(Date.parse(schedule.at)))
  )
    return 'schedule is not { at: an ISO time }';
  return undefined;
}

/** The request stored at `kv`, or a PARSE_ERROR naming the key: not JSON, not a request, or claiming another id or namespace than its key. */
export function parseChangeRequest(kv: KeyValue): ChangeRequest {
  let value: unknown;
  try {
    value = JSON.parse(kv.value);
  } catch (error) {
    throw new DialsError('PARSE_ERROR', `Change request record ${kv.key} is not JSON (${messageOf(error)})`, { key: kv.key });
  }
  const bad = malformed(value);
  if (bad) throw new DialsError('PARSE_ERROR', `Change request record ${kv.key} cannot be read: ${bad}`, { key: kv.key });
  const cr = value as ChangeRequest;
  if (kv.key !== `${CHANGES_PREFIX}${cr.namespace}/${cr.id}`) {
    throw new DialsError(
      'PARSE_ERROR',
      `Change request record ${kv.key} says it is ${cr.id} in ${cr.namespace}: refused (moved or forged?)`,
      {
        key: kv.key,
      },
    );
  }
  return cr;
}

/** One request with the mod revision of its record (what the next compare-and-set is against). */
export async function readChangeRequest(
  source: Source,
  namespace: string,
  id: string,
): Promise<{ cr: ChangeRequest; modRevision: number }> {
  const key = changeRequestKey(namespace, id);
  const kv = await source.get(key);
  if (!kv)
    throw new DialsError('INVALID_ARGUMENT', `No change request ${id} in ${namespaceOf(namespace)} (dials cr ls lists them)`, { key });
  return { cr: parseChangeRequest(kv), modRevision: kv.modRevision };
}

/** Read one change request by namespace and id. */
export async function getChangeRequest(source: Source, namespace: string, id: string): Promise<ChangeRequest> {
  return (await readChangeRequest(source, namespace, id)).cr;
}

export interface ListChangeRequestsOptions {
  /** Only these states. */
  readonly states?: readonly ChangeRequestState[];
  /** Hears each record that cannot be read: it is skipped, the others are listed. */
  readonly onSkipped?: (key: string, reason: string) => void;
}

/** Change requests of `namespace` (or of every namespace), newest first; unreadable records are skipped and reported. */
export async function listChangeRequests(
  source: Source,
  namespace?: string,
  options: ListChangeRequestsOptions = {},
): Promise<ChangeRequest[]> {
  const prefix = namespace === undefined ? CHANGES_PREFIX : `${CHANGES_PREFIX}${namespaceOf(namespace)}/`;
  const out: ChangeRequest[] = [];
  for (const kv of (await source.list(prefix)).kvs) {
    // A namespace's prefix also holds the namespaces below it (config/shop/ holds config/shop/dev/).
    if (namespace !== undefined && kv.key.slice(prefix.length).includes('/')) continue;
    try {
      const cr = parseChangeRequest(kv);
      if (!options.states || options.states.includes(cr.state)) out.push(cr);
    } catch (error) {
      options.onSkipped?.(kv.key, messageOf(error));
    }
  }
  return out.sort((a, b) => Number(BigInt(b.id) - BigInt(a.id)));
}

/** How many times a mutation re-reads and retries when another writer got there first. */
const TRIES = 20;

/**
 * Change a request by compare-and-set on its record's mod revision: `change` gets the current
 * record and returns the next one (or throws to refuse). When someone else wrote it meanwhile (two
 * approvers at once), it is read again and `change` applied again, so no one's change is lost.
 */
export async function mutateChangeRequest(
  source: Source,
  namespace: string,
  id: string,
  change: (cr: ChangeRequest) => ChangeRequest,
): Promise<{ cr: ChangeRequest; revision: number }> {
  const transactions = capability(source, 'transactions', 'change requests');
  const key = changeRequestKey(namespace, id);
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const { cr, modRevision } = await readChangeRequest(source, namespace, id);
    const next = change(cr);
    if (next === cr) return { cr, revision: modRevision };
    const text = JSON.stringify(next);
    checkSize(key, text);
    const result = await transactions.txn([{ type: 'put', key, value: text }], [{ key, modRevision }]);
    if (result.succeeded) return { cr: next, revision: result.revision };
  }
  throw new DialsError('CONFLICT', `Change request ${id} in ${namespaceOf(namespace)} kept changing under ${TRIES} attempts; try again`, {
    key,
  });
}

/** etcd refuses requests over 1.5 MiB: a request that large is refused whole, naming it, before it is written. */
export function checkSize(key: string, text: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > 1024 * 1024) {
    throw new DialsError(
      'TOO_LARGE',
      `Change request ${key} would be ${bytes} bytes, over the 1 MiB a request may hold: split it into several`,
      {
        key,
      },
    );
  }
}

/** A history entry, now. */
export function event(by: string, action: ChangeRequestAction, detail?: string): ChangeRequestEvent {
  return { at: new Date().toISOString(), by, action, ...(detail === undefined ? {} : { detail }) };
}
