import { capability } from '../capabilities.js';
import { DialsError, isDialsError } from '../errors.js';
import { defaultAuthor, publishKeys } from '../publish.js';
import { putRecord, type Release, releaseId, releaseKey } from '../releases.js';
import type { KeyValue, Source } from '../types.js';
import { GRAY_PREFIX, type GrayRelease, type GrayStep, grayHeaderKey, grayStep, parseGrayHeader } from './gray-model.js';
import { approvalsNeeded, requirementText } from './policy.js';

/** A gray release as it stands in the source: its header, its values, and where its steps are now. */
export interface GrayReleaseState {
  readonly release: GrayRelease;
  /** Its values, each by the key it overrides. */
  readonly values: readonly { readonly key: string; readonly path: string; readonly value: string; readonly binary?: boolean }[];
  readonly step: GrayStep;
  /** The header's revisions: the last change (compare-and-set for the controls), and its creation (the id of its release record). */
  readonly modRevision: number;
  readonly createRevision: number;
}

export interface ListGrayOptions {
  /** Hears each header that cannot be read: it is skipped, the others are listed. */
  readonly onSkipped?: (key: string, reason: string) => void;
}

/** The state of one release from its header and the keys under it. */
function stateOf(header: KeyValue, release: GrayRelease, kvs: readonly KeyValue[], now: number): GrayReleaseState {
  const under = `${header.key}/`;
  const values = kvs
    .filter((kv) => kv.key.startsWith(under))
    .map((kv) => {
      const path = kv.key.slice(under.length);
      return { key: `/${release.namespace}/${path}`, path, value: kv.value, ...(kv.binary ? { binary: true } : {}) };
    });
  return { release, values, step: grayStep(release, now), modRevision: header.modRevision, createRevision: header.createRevision };
}

/**
 * The gray releases of `namespace` (or, without one, of every namespace), oldest first. A header
 * that cannot be read is skipped and named to `onSkipped`.
 */
export async function listGray(source: Source, namespace?: string, options: ListGrayOptions = {}): Promise<GrayReleaseState[]> {
  const prefix = namespace === undefined ? GRAY_PREFIX : `${GRAY_PREFIX}${namespace}/`;
  const { kvs } = await source.list(prefix);
  const now = Date.now();
  const out: GrayReleaseState[] = [];
  for (const kv of kvs) {
    const rest = kv.key.slice(prefix.length);
    let ns = namespace;
    let id = rest;
    if (namespace === undefined) {
      // Across namespaces a header is a key whose value names its own namespace and id.
      const named = headerName(kv.value);
      if (!named || kv.key !== grayHeaderKey(named.namespace, named.id)) continue;
      ns = named.namespace;
      id = named.id;
    } else if (rest.includes('/')) continue;
    const release = parseGrayHeader(kv.value, ns as string, id);
    if (typeof release === 'string') options.onSkipped?.(kv.key, release);
    else out.push(stateOf(kv, release, kvs, now));
  }
  return out.sort((a, b) => a.createRevision - b.createRevision);
}

function headerName(raw: string): { namespace: string; id: string } | undefined {
  try {
    const value = JSON.parse(raw) as { namespace?: unknown; id?: unknown } | null;
    return typeof value?.namespace === 'string' && typeof value.id === 'string' ? { namespace: value.namespace, id: value.id } : undefined;
  } catch {
    return undefined;
  }
}

/** One gray release by namespace and id; INVALID_ARGUMENT when there is none, PARSE_ERROR when its header cannot be read. */
export async function getGray(source: Source, namespace: string, id: string): Promise<GrayReleaseState> {
  const key = grayHeaderKey(namespace, id);
  const kv = await source.get(key);
  if (!kv)
    throw new DialsError('INVALID_ARGUMENT', `No gray release ${id} in namespace ${namespace} (dials gray ls ${namespace} lists them)`, {
      key,
    });
  const release = parseGrayHeader(kv.value, namespace, id);
  if (typeof release === 'string') {
    throw new DialsError('PARSE_ERROR', `Gray release header ${key} cannot be read: ${release}. Abandon it (dials gray abandon ${id}).`, {
      key,
    });
  }
  return stateOf(kv, release, (await source.list(`${key}/`)).kvs, Date.now());
}

/** Replace the header if nobody changed it since `state` was read (else CONFLICT). */
async function updateHeader(source: Source, state: GrayReleaseState, next: GrayRelease): Promise<GrayRelease> {
  const key = grayHeaderKey(next.namespace, next.id);
  const result = await capability(source, 'transactions', 'Changing a gray release').txn(
    [{ type: 'put', key, value: JSON.stringify(next) }],
    [{ key, modRevision: state.modRevision }],
  );
  if (!result.succeeded)
    throw new DialsError('CONFLICT', `Gray release ${next.id} changed meanwhile (or was promoted or abandoned): read it again and retry`, {
      key,
    });
  return next;
}

/** Remove the header and the values in one transaction: matching instances fall back to the base values at once. */
async function removeOverlay(source: Source, namespace: string, id: string): Promise<number> {
  const key = grayHeaderKey(namespace, id);
  const result = await capability(source, 'transactions', 'Ending a gray release').txn([
    { type: 'delete', key },
    { type: 'delete', key: `${key}/`, prefix: true },
  ]);
  return result.revision;
}

/**
 * Write a gray release's values for everyone as a normal release (through `publishKeys`: the apps'
 * schemas check them, the release is recorded with `promotes: id`), then remove the overlay. If the
 * write is refused, the gray release stays as it was.
 */
export async function promoteGray(
  source: Source,
  namespace: string,
  id: string,
  options: { author?: string; message?: string; force?: boolean } = {},
): Promise<Release> {
  const state = await getGray(source, namespace, id);
  await updateHeader(source, state, { ...state.release, state: 'promoting' });
  let release: Release;
  try {
    release = await publishKeys(
      source,
      state.values.map((v) => ({ key: v.key, after: v.value, ...(v.binary ? { binary: true } : {}) })),
      {
        namespace,
        author: options.author,
        message: options.message ?? `promote gray release ${id}${state.release.message ? ` (${state.release.message})` : ''}`,
        force: options.force,
        promotes: id,
      },
    );
  } catch (error) {
    // Back to active, so that it can be promoted again or abandoned; a promoting one can be anyway.
    const now = await getGray(source, namespace, id).catch(() => undefined);
    if (now) await updateHeader(source, now, { ...now.release, state: 'active' }).catch(() => undefined);
    throw await underReview(
      source,
      error,
      namespace,
      id,
      state.values.map((v) => v.key),
    );
  }
  // Say which revision holds the values now: instances on it keep them until they have applied it.
  if (release.changes.length > 0) {
    const now = await getGray(source, namespace, id).catch(() => undefined);
    if (now) await updateHeader(source, now, { ...now.release, promoted: release.revision }).catch(() => undefined);
  }
  await removeOverlay(source, namespace, id);
  return release;
}

/** A promote refused by a review policy says what to do instead (the generic refusal suggests drafting the write). */
async function underReview(source: Source, error: unknown, namespace: string, id: string, keys: readonly string[]): Promise<unknown> {
  if (!isDialsError(error) || error.code !== 'APPROVAL_REQUIRED') return error;
  const need = await approvalsNeeded(source, namespace, keys);
  return new DialsError(
    'APPROVAL_REQUIRED',
    `Gray release ${id} cannot be promoted: promoting writes its values for everyone, and ${requirementText(need, namespace)}. Nothing was written; the gray release stays. Propose its values in a change request (dials gray show ${id} --namespace ${namespace} lists them; dials cr create FILE --prefix PREFIX), then abandon it: dials gray abandon ${id} --namespace ${namespace}.`,
    { key: error.key, cause: error },
  );
}

/**
 * Drop a gray release: its header and values go in one transaction, so every instance on it falls
 * back to the base values at once. Recorded as a release with `abandons: id` and no changes.
 * Works on a header that cannot be read too (that is how to clear one).
 */
export async function abandonGray(
  source: Source,
  namespace: string,
  id: string,
  options: { author?: string; message?: string } = {},
): Promise<Release> {
  const key = grayHeaderKey(namespace, id);
  const [header, values] = await Promise.all([source.get(key), source.list(`${key}/`)]);
  if (!header && values.kvs.length === 0)
    throw new DialsError('INVALID_ARGUMENT', `No gray release ${id} in namespace ${namespace}`, { key });
  const revision = await removeOverlay(source, namespace, id);
  const release: Release = {
    id: releaseId(revision),
    namespace,
    author: source.user ?? options.author ?? defaultAuthor(),
    message: options.message ?? `abandon gray release ${id}`,
    at: new Date().toISOString(),
    revision,
    abandons: id,
    changes: [],
  };
  await putRecord(source, releaseKey(namespace, release.id), release);
  return release;
}

/** Move a staged gray release to its next step now (on top of any timed ones). Refused while paused or at the last step. */
export async function advanceGray(source: Source, namespace: string, id: string): Promise<GrayReleaseState> {
  const state = await getGray(source, namespace, id);
  const { release, step } = state;
  const steps = release.steps ?? [];
  if (steps.length === 0)
    throw new DialsError('INVALID_ARGUMENT', `Gray release ${id} has no steps: every matching instance is on it. Promote it.`);
  if (release.paused) throw new DialsError('INVALID_ARGUMENT', `Gray release ${id} is paused: resume it first.`);
  if (step.index >= steps.length - 1)
    throw new DialsError('INVALID_ARGUMENT', `Gray release ${id} is at its last step (${step.percent}%). Promote it.`);
  const next = await updateHeader(source, state, { ...release, step: (release.step ?? 0) + 1 });
  return { ...state, release: next, step: grayStep(next, Date.now()) };
}

/** Hold a gray release where it is: timed steps stop (paused time does not count) and `advance` is refused. */
export async function pauseGray(source: Source, namespace: string, id: string): Promise<GrayReleaseState> {
  const state = await getGray(source, namespace, id);
  if (state.release.paused) return state;
  const next = await updateHeader(source, state, { ...state.release, paused: true, pausedAt: new Date().toISOString() });
  return { ...state, release: next, step: grayStep(next, Date.now()) };
}

/** Let a paused gray release go on; its timed steps resume where they stopped. */
export async function resumeGray(source: Source, namespace: string, id: string): Promise<GrayReleaseState> {
  const state = await getGray(source, namespace, id);
  const { release } = state;
  if (!release.paused) return state;
  const { pausedAt, ...rest } = release;
  const pausedMs = (release.pausedMs ?? 0) + Math.max(0, Date.now() - Date.parse(pausedAt as string));
  const next = await updateHeader(source, state, { ...rest, paused: false, pausedMs });
  return { ...state, release: next, step: grayStep(next, Date.now()) };
}
