import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { DialsError, messageOf } from './errors.js';
import { holdsSecret, REDACTED } from './secrets.js';
import type { KeyValue, Source } from './types.js';

/** Where releases are recorded: `/dials/releases/<namespace>/<id>`. */
export const RELEASES_PREFIX = '/dials/releases/';
/** A record over this size keeps its changes in parts (`<key>/<n>`): etcd refuses requests over 1.5 MiB. */
const PART_BYTES = 512 * 1024;
const PENDING = 'pending-';

/** One key's change in a release, as raw text (undefined: absent). */
export interface ReleaseChange {
  readonly key: string;
  /** The value before: `<redacted>` for a secret, `<omitted: N bytes>` for a value over 64 KiB. */
  readonly before?: string;
  /** The value after, likewise. */
  readonly after?: string;
  /**
   * For the values left out, so that rollback and resume can check what etcd holds: a secret's as
   * `scrypt$N$r$p$<salt>$<hash>` (a random salt per digest, slow to guess); a large value's SHA-256
   * (hex). Records written before secrets were salted hold SHA-256 for secrets too; both are read.
   */
  readonly digests?: { readonly before?: string; readonly after?: string };
  /** Which sides are not UTF-8 text: their bytes, one per character (as `KeyValue.binary`). */
  readonly binary?: { readonly before?: boolean; readonly after?: boolean };
}

/** A recorded publish: who, when, why, at which etcd revisions, and every change. */
export interface Release {
  readonly id: string;
  readonly namespace: string;
  /** The authenticated etcd user when auth is on; else who the writer said it was. */
  readonly author: string;
  readonly message: string;
  readonly at: string;
  /** The etcd revision of the (last) transaction that applied the changes. */
  readonly revision: number;
  /** The revision of the first transaction (the same as `revision` when there was one). */
  readonly firstRevision?: number;
  readonly changes: readonly ReleaseChange[];
  /**
   * `done` (or absent); `partial`: the writer failed after some transactions and `changes` are the
   * ones written; `interrupted`: a plan whose writer never finished (it died, or etcd went away),
   * `changes` are the planned ones and `dials rollback` undoes the part that was written.
   */
  readonly state?: 'done' | 'partial' | 'interrupted';
  /** How many changes were planned, when fewer were written (`partial`). */
  readonly planned?: number;
  /** Set on a rollback: the release it undoes. */
  readonly rollbackOf?: string;
  /** Set on a gray release: its values went to an overlay that only the selected instances apply (`changes` say what it overrides). */
  readonly gray?: {
    readonly id: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly steps?: readonly number[];
    readonly stepMs?: number;
  };
  /** Set on the release that wrote a gray release's values for everyone. */
  readonly promotes?: string;
  /** Set on the record of an abandoned gray release (no changes: its overlay was removed). */
  readonly abandons?: string;
  /** Set when the changes are bound to a lease that expires. */
  readonly ttlMs?: number;
  /** Set when the release applied a change request (`/dials/changes/<namespace>/<id>`): its id. */
  readonly changeRequest?: string;
  /** Who approved that change request. */
  readonly approvers?: readonly string[];
  /** Set when the publish was forced past the apps' schemas: what they refused. */
  readonly forced?: { readonly refused: readonly { readonly key: string; readonly apps: readonly string[]; readonly message: string }[] };
  /**
   * Set when the writer may not read the apps' schemas registered for these namespaces (the
   * release's own or below it): the changes were not checked against them.
   */
  readonly unchecked?: readonly string[];
}

/** `/config/shop/dev/` → `config/shop/dev`: a prefix without its outer slashes names its releases. */
export function namespaceOf(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? 'default' : trimmed;
}

/** Whether `key` belongs to `namespace`: `/config/shop/dev/...` to `config/shop/dev`; the `default` namespace takes any key. */
export function inNamespace(key: string, namespace: string): boolean {
  return namespace === 'default' || key === `/${namespace}` || key.startsWith(`/${namespace}/`);
}

/** A release's id: its revision, zero-padded so that keys sort by it. */
export function releaseId(revision: number): string {
  return String(revision).padStart(20, '0');
}

export function releaseKey(namespace: string, id: string): string {
  return `${RELEASES_PREFIX}${namespace}/${id.startsWith(PENDING) ? id : id.padStart(20, '0')}`;
}

/** The key of a new plan (journal): written before the first transaction, replaced by the record after the last. */
export function newPlanKey(namespace: string): string {
  return `${RELEASES_PREFIX}${namespace}/${PENDING}${randomBytes(8).toString('hex')}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * scrypt's cost for a secret's digest: 32 MiB and tens of milliseconds a guess, where SHA-256 takes
 * nanoseconds, so a reader of `/dials/releases/` cannot test password guesses against a record
 * offline at any useful rate; the random salt makes each digest a separate search.
 */
const SCRYPT = { N: 32_768, r: 8, p: 1 } as const;
/** The most a digest read from a record may ask for: a forged record must not make a rollback hang. */
const SCRYPT_LIMITS = { N: 65_536, r: 16, p: 4 } as const;
const scryptMemory = (N: number, r: number) => 128 * N * r + 1024 * 1024;

function secretDigest(value: string): string {
  const { N, r, p } = SCRYPT;
  const salt = randomBytes(16);
  const hash = scryptSync(value, salt, 32, { N, r, p, maxmem: scryptMemory(N, r) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `value` has `digest`: a salted scrypt digest, or (large values, older records) a plain SHA-256. */
function hasDigest(value: string, digest: string): boolean {
  if (!digest.startsWith('scrypt$')) return sha256(value) === digest;
  const [, n, r, p, salt, hash] = digest.split('$');
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  const expected = Buffer.from(hash ?? '', 'base64url');
  const sane = Number.isInteger(Math.log2(N)) && N >= 2 && N <= SCRYPT_LIMITS.N && Number.isInteger(R) && R >= 1 && R <= SCRYPT_LIMITS.r;
  if (!sane || !Number.isInteger(P) || P < 1 || P > SCRYPT_LIMITS.p || expected.length < 16 || expected.length > 64) return false;
  const got = scryptSync(value, Buffer.from(salt ?? '', 'base64url'), expected.length, { N, r: R, p: P, maxmem: scryptMemory(N, R) });
  return timingSafeEqual(got, expected);
}

/** Values over this size are left out of records (with their digest): a bulk import of large values keeps small records. */
const LARGE_VALUE = 64 * 1024;

/**
 * A change as a record holds it. Secrets (a secret key, field or URL password) are left out as
 * `<redacted>` with a salted scrypt digest, values over 64 KiB as `<omitted: N bytes>` with their SHA-256.
 */
export function recordedChange(
  key: string,
  was: KeyValue | undefined,
  change: { after: string | undefined; binary?: boolean },
): ReleaseChange {
  const bytes =
    was?.binary || change.binary ? { binary: { ...(was?.binary ? { before: true } : {}), ...(change.binary ? { after: true } : {}) } } : {};
  return { ...leftOut(key, was?.value, change.after), ...bytes };
}

function leftOut(key: string, before: string | undefined, after: string | undefined): ReleaseChange {
  const secret = (before !== undefined && holdsSecret(key, before)) || (after !== undefined && holdsSecret(key, after));
  const large = (before?.length ?? 0) > LARGE_VALUE || (after?.length ?? 0) > LARGE_VALUE;
  if (!secret && !large) return { key, before, after };
  const marker = (value: string) => (secret ? REDACTED : `<omitted: ${Buffer.byteLength(value)} bytes>`);
  const digest = secret ? secretDigest : sha256;
  return {
    key,
    ...(before === undefined ? {} : { before: marker(before) }),
    ...(after === undefined ? {} : { after: marker(after) }),
    digests: { ...(before === undefined ? {} : { before: digest(before) }), ...(after === undefined ? {} : { after: digest(after) }) },
  };
}

/** Whether `value` is what a recorded side of a change says (by digest where the value was left out). */
export function matches(change: ReleaseChange, side: 'before' | 'after', value: string | undefined): boolean {
  if (!change.digests) return change[side] === value;
  const digest = change.digests[side];
  // A side without a digest is kept as it was (or absent), e.g. the small side of a change whose other side is over 64 KiB.
  return digest === undefined ? change[side] === value : value !== undefined && hasDigest(value, digest);
}

/**
 * Write a record (or a plan) at `key`: one value when it fits, else its changes in parts under
 * `<key>/` first and the header last, so that a reader never finds a header without its parts.
 * Returns every key written.
 */
export async function putRecord(source: Source, key: string, release: Release): Promise<string[]> {
  const whole = JSON.stringify(release);
  if (whole.length <= PART_BYTES) {
    await source.put(key, whole);
    return [key];
  }
  const parts: ReleaseChange[][] = [[]];
  let size = 0;
  for (const change of release.changes) {
    const length = JSON.stringify(change).length + 1;
    if (size + length > PART_BYTES && (parts.at(-1) as ReleaseChange[]).length > 0) {
      parts.push([]);
      size = 0;
    }
    (parts.at(-1) as ReleaseChange[]).push(change);
    size += length;
  }
  const keys: string[] = [];
  for (const [n, part] of parts.entries()) {
    await source.put(`${key}/${n}`, JSON.stringify(part));
    keys.push(`${key}/${n}`);
  }
  await source.put(key, JSON.stringify({ ...release, changes: [], parts: parts.length, changeCount: release.changes.length }));
  return [key, ...keys];
}

/** Why `value` is not a release record, or undefined when it is one. */
function malformed(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  for (const field of ['id', 'namespace', 'author', 'message', 'at'] as const)
    if (typeof r[field] !== 'string') return `${field} is not text`;
  if (typeof r.revision !== 'number') return 'revision is not a number';
  if (!Array.isArray(r.changes) || !r.changes.every((c) => typeof c === 'object' && c !== null && typeof c.key === 'string')) {
    return 'changes are not a list of changes';
  }
  return undefined;
}

/** A record from its header and the parts listed with it; undefined (with `why`) when malformed. */
function decodeRecord(kv: KeyValue, parts: ReadonlyMap<string, string>, why: (reason: string) => void): Release | undefined {
  let value: unknown;
  try {
    value = JSON.parse(kv.value);
  } catch (error) {
    why(`not JSON (${messageOf(error)})`);
    return undefined;
  }
  const bad = malformed(value);
  if (bad) {
    why(bad);
    return undefined;
  }
  let release = value as Release & { parts?: number };
  if (typeof release.parts === 'number') {
    const changes: ReleaseChange[] = [];
    for (let n = 0; n < release.parts; n++) {
      const part = parts.get(`${kv.key}/${n}`);
      if (part === undefined) {
        why(`part ${n} of ${release.parts} is missing`);
        return undefined;
      }
      changes.push(...(JSON.parse(part) as ReleaseChange[]));
    }
    const { parts: _parts, changeCount: _count, ...header } = release as Release & { parts?: number; changeCount?: number };
    release = { ...header, changes };
  }
  // A plan still there is a publish that never finished: its revision is the plan's.
  if (kv.key.slice(kv.key.lastIndexOf('/') + 1).startsWith(PENDING)) {
    release = { ...release, state: 'interrupted', revision: kv.modRevision, firstRevision: kv.modRevision + 1 };
  }
  return release;
}

export interface ListReleasesOptions {
  /** At most this many, newest first. Default 50. */
  readonly limit?: number;
  /** Hears each record that cannot be read (not JSON, not a release): it is skipped, the others are listed. */
  readonly onSkipped?: (key: string, reason: string) => void;
}

/** Releases of a namespace, newest first; a record that cannot be read is skipped and reported. */
export async function listReleases(source: Source, namespace: string, options: ListReleasesOptions | number = {}): Promise<Release[]> {
  const { limit = 50, onSkipped } = typeof options === 'number' ? { limit: options } : options;
  const prefix = `${RELEASES_PREFIX}${namespace}/`;
  const { kvs } = await source.list(prefix);
  const parts = new Map<string, string>();
  const headers: KeyValue[] = [];
  for (const kv of kvs) kv.key.slice(prefix.length).includes('/') ? parts.set(kv.key, kv.value) : headers.push(kv);
  const releases: Release[] = [];
  for (const kv of headers) {
    const release = decodeRecord(kv, parts, (reason) => onSkipped?.(kv.key, reason));
    if (release) releases.push(release);
  }
  return releases.sort((a, b) => b.revision - a.revision).slice(0, limit);
}

/** Read one release by namespace and id (a revision, or `pending-…` for an interrupted plan). */
export async function getRelease(source: Source, namespace: string, id: string): Promise<Release> {
  const key = releaseKey(namespace, id);
  const kv = await source.get(key);
  if (!kv) throw new DialsError('INVALID_ARGUMENT', `No release ${id} in namespace ${namespace}`, { key });
  const parts = new Map((await source.list(`${key}/`)).kvs.map((p) => [p.key, p.value] as const));
  const release = decodeRecord(kv, parts, (reason) => {
    throw new DialsError('PARSE_ERROR', `Release record ${key} cannot be read: ${reason}`, { key });
  });
  return release as Release;
}
