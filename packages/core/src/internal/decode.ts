import type { StandardIssue, StandardSchemaV1 } from '../schema.js';
import { immutable, NotImmutableError } from './immutable.js';

export type Decoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: readonly IssueInfo[] };

export interface IssueInfo {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return NOT_JSON;
  }
}

/**
 * Read a stored value: JSON text, or plain text as `etcdctl put` writes it. With a schema, the JSON
 * reading is tried first and then the plain text, so `5432` fits `z.coerce.number()` and
 * `z.string()` alike, and `localhost` fits `z.string()`.
 */
export function decodeValue(raw: string, schema: StandardSchemaV1 | undefined): Decoded {
  const json = parseJson(raw);
  if (!schema) return { ok: true, value: immutable(json === NOT_JSON ? raw : json) };
  let first: readonly IssueInfo[] | undefined;
  for (const candidate of json === NOT_JSON || typeof json === 'string' ? [json === NOT_JSON ? raw : json] : [json, raw]) {
    const result = validate(schema, candidate);
    if (result.ok) return frozen(result.value);
    first ??= result.issues;
  }
  return { ok: false, issues: first ?? [] };
}

/** A schema's output, immutable; one that cannot be made so is refused like a value that fails its schema. */
export function frozen(value: unknown): Decoded {
  try {
    return { ok: true, value: immutable(value) };
  } catch (error) {
    if (error instanceof NotImmutableError) return { ok: false, issues: [{ path: [], message: error.message }] };
    throw error;
  }
}

/** Validate synchronously through a Standard Schema. */
export function validate(schema: StandardSchemaV1, value: unknown): Decoded {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    return { ok: false, issues: [{ path: [], message: 'asynchronous schemas are not supported: config is read synchronously' }] };
  }
  if (result.issues) return { ok: false, issues: result.issues.map(toIssueInfo) };
  return { ok: true, value: result.value };
}

function toIssueInfo(issue: StandardIssue): IssueInfo {
  return {
    message: issue.message,
    path: (issue.path ?? []).map((p) => (typeof p === 'object' && p !== null ? p.key : p)),
  };
}

const RAW_IN_MESSAGE = 120;

/** A raw value to show as data: cut at 120 characters. */
export function clipRaw(raw: string): string {
  return raw.length > RAW_IN_MESSAGE ? `${raw.slice(0, RAW_IN_MESSAGE)}…` : raw;
}

/**
 * A raw value for a message, cut at 120 characters and quoted once: a JSON string (`"db"`) as it
 * is, anything else in quotes with control characters escaped (so a value cannot drive a terminal).
 */
export function clip(raw: string): string {
  if (raw.length > 1 && raw.startsWith('"') && typeof parseJson(raw) === 'string') return clipRaw(raw);
  return raw.length > RAW_IN_MESSAGE ? `${JSON.stringify(raw.slice(0, RAW_IN_MESSAGE))}…` : JSON.stringify(raw);
}
