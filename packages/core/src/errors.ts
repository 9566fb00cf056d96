/** What went wrong, for callers that branch on it. */
export type DialsErrorCode =
  | 'UNAVAILABLE' // the source (etcd endpoint, file) cannot be reached or read
  | 'TIMEOUT' // an operation did not finish within its deadline
  | 'AUTH_FAILED' // wrong user name or password
  | 'PERMISSION_DENIED' // authenticated, but the role may not read or write that key
  | 'TLS' // certificate or TLS handshake problem
  | 'INVALID_VALUE' // a value failed its schema
  | 'PARSE_ERROR' // a document (file, snapshot, JSON value, flag) could not be parsed or compiled
  | 'SNAPSHOT' // the last-known-good snapshot file could not be read or written
  | 'UNSAFE_KEY' // a key Dials will not use as is: one that could pollute objects (`__proto__`, ...), or that is not UTF-8
  | 'CONFLICT' // compare-and-set lost: the key moved
  | 'SUBSCRIBER' // a subscriber's callback threw
  | 'CLOSED' // used after close()
  | 'INVALID_ARGUMENT' // the caller passed options that cannot work
  | 'UNSUPPORTED' // the source lacks a capability the feature needs (leases, locks, cluster, transactions)
  | 'CLUSTER_RESET' // etcd's revision went backwards (a wiped or restored cluster): the prefix is re-read
  | 'TOO_LARGE' // a request or response over etcd's or gRPC's size limit
  | 'APPLY_FAILED' // applying a value to the snapshot threw; the key keeps its last good value
  | 'SPLIT_RELEASE' // a release of several transactions reached a reader ahead of its mark: its first changes applied before the rest
  | 'APPROVAL_REQUIRED' // the namespace's policy (/dials/policy/<namespace>) requires a reviewed change request: nothing was written
  | 'GENERAL';

export interface DialsErrorDetails {
  /** The etcd key or config path concerned. */
  key?: string;
  /** The endpoint(s) or file concerned. */
  endpoint?: string;
  /** The raw value that was refused (never for keys marked secret). */
  raw?: string;
  /** Schema issues, for INVALID_VALUE. */
  issues?: readonly { path: readonly PropertyKey[]; message: string; code?: string }[];
  /** The current revision, for CONFLICT. */
  revision?: number;
  /** For a write the apps' schemas refuse: which key, which apps, why. */
  refused?: readonly { readonly key: string; readonly apps: readonly string[]; readonly message: string }[];
  cause?: unknown;
}

/** Marks a DialsError whichever copy of @dials/core made it (a bundler or a nested install can load two). */
const BRAND = Symbol.for('@dials/core:DialsError');

/** The one error class of Dials: `code` says what happened, the message says where and what to do. */
export class DialsError extends Error {
  override readonly name = 'DialsError';
  readonly code: DialsErrorCode;
  readonly key: string | undefined;
  readonly endpoint: string | undefined;
  readonly raw: string | undefined;
  readonly issues: DialsErrorDetails['issues'];
  readonly revision: number | undefined;
  readonly refused: DialsErrorDetails['refused'];

  constructor(code: DialsErrorCode, message: string, details: DialsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.key = details.key;
    this.endpoint = details.endpoint;
    this.raw = details.raw;
    this.issues = details.issues;
    this.revision = details.revision;
    this.refused = details.refused;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Whether `error` is a DialsError, from this copy of @dials/core or another one. */
export function isDialsError(error: unknown): error is DialsError {
  return error instanceof DialsError || (typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true);
}

/** `error` if it is a DialsError, else one with `code` and its message. */
export function asDialsError(error: unknown, code: DialsErrorCode, details: DialsErrorDetails = {}): DialsError {
  return isDialsError(error) ? error : new DialsError(code, messageOf(error), { ...details, cause: error });
}

/** The message of any thrown thing, without a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
