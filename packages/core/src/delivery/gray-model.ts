import { createHash, randomBytes } from 'node:crypto';
import { DialsError } from '../errors.js';

/** Where gray releases live: the header at `/dials/gray/<namespace>/<id>`, its values under `/dials/gray/<namespace>/<id>/<path>`. */
export const GRAY_PREFIX = '/dials/gray/';

/** Who gets a gray release's values, and how fast. */
export interface GrayOptions {
  /** Only instances whose labels include all of these apply the values (`{ canary: 'true' }`); `{}` selects every instance. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Percentages of the matching instances, step by step (`[10, 50, 100]`), chosen by a consistent
   * hash of each instance's id: an instance in at 10 % stays in at 50 %. Default: all of them at once.
   */
  readonly steps?: readonly number[];
  /** Move to the next step every `stepMs`, counted from the start (paused time left out). Default: by hand (`advanceGray`). */
  readonly stepMs?: number;
}

/** A gray release's header: what instances read to decide whether its values are theirs. */
export interface GrayRelease extends GrayOptions {
  readonly id: string;
  readonly namespace: string;
  readonly startedAt: string;
  readonly author: string;
  readonly message: string;
  /** `promoting` while `promoteGray` writes its values for everyone; instances apply it as `active`. */
  readonly state: 'active' | 'promoting';
  /** Paused: timed steps stop moving and `advance` is refused until `resume`. */
  readonly paused?: boolean;
  /** When it was paused (ISO), while paused. */
  readonly pausedAt?: string;
  /** Time spent paused before, left out of timed steps. */
  readonly pausedMs?: number;
  /** Steps taken by hand (`advance`), on top of the timed ones. */
  readonly step?: number;
  /**
   * Set by `promoteGray` before it removes the overlay: the revision of the release that wrote the
   * values for everyone. An instance on it keeps the values until its layers have applied that
   * revision, so it never shows the old values in between (its two watches are not ordered).
   */
  readonly promoted?: number;
}

/** Where a gray release stands at a moment: its step, the share of matching instances on it, and when that next changes. */
export interface GrayStep {
  readonly index: number;
  readonly percent: number;
  /** When the next timed step starts (ms since epoch); undefined when none is due (by hand, paused, or the last step). */
  readonly nextAt?: number;
}

export const grayHeaderKey = (namespace: string, id: string) => `${GRAY_PREFIX}${namespace}/${id}`;

/** A new id: random, so that writers never collide and a hostile one cannot be guessed ahead. */
export const newGrayId = () => `g-${randomBytes(4).toString('hex')}`;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const STATES = new Set(['active', 'promoting']);

/** Refuse gray options that cannot work, naming the problem; nothing is written. */
export function checkGrayOptions(gray: GrayOptions): void {
  const bad = (why: string) => new DialsError('INVALID_ARGUMENT', `gray: ${why}; nothing was written`);
  if (typeof gray.labels !== 'object' || gray.labels === null || Array.isArray(gray.labels)) throw bad('labels must be an object');
  for (const [name, value] of Object.entries(gray.labels)) {
    if (name === '') throw bad('a label name is empty');
    if (typeof value !== 'string') throw bad(`label ${name} is not text (${JSON.stringify(value)})`);
  }
  const { steps, stepMs } = gray;
  if (steps !== undefined) {
    if (!Array.isArray(steps) || steps.length === 0) throw bad('steps must be a list of percentages, e.g. [10, 50, 100]');
    steps.forEach((step, i) => {
      if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0 || step > 100)
        throw bad(`step ${step} is not a percentage in (0, 100]`);
      if (i > 0 && step <= (steps[i - 1] as number)) throw bad(`steps must grow: ${steps.join(', ')}`);
    });
  }
  if (stepMs !== undefined) {
    if (steps === undefined) throw bad('stepMs needs steps');
    if (!Number.isInteger(stepMs) || stepMs < 1) throw bad(`stepMs must be a whole number of milliseconds over 0 (${stepMs})`);
  }
}

/**
 * Read a header written at `key` (its id and namespace are the key's). Returns the reason it cannot
 * be used instead of throwing: a reader skips it and says why.
 */
export function parseGrayHeader(raw: string, namespace: string, id: string): GrayRelease | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const h = value as Record<string, unknown>;
  if (!ID.test(id)) return `the id ${JSON.stringify(id)} is not one Dials writes`;
  if (h.id !== id || h.namespace !== namespace) return `it names ${String(h.namespace)}/${String(h.id)}, not ${namespace}/${id}`;
  if (typeof h.labels !== 'object' || h.labels === null || Array.isArray(h.labels)) return 'labels is not an object';
  for (const field of ['startedAt', 'author', 'message'] as const) if (typeof h[field] !== 'string') return `${field} is not text`;
  if (Number.isNaN(Date.parse(h.startedAt as string))) return 'startedAt is not a time';
  if (!STATES.has(h.state as string)) return `state ${JSON.stringify(h.state)} is not active or promoting`;
  try {
    checkGrayOptions({ labels: {}, steps: h.steps as number[] | undefined, stepMs: h.stepMs as number | undefined });
  } catch (error) {
    return (error as Error).message.replace(/^gray: |; nothing was written$/g, '');
  }
  for (const field of ['pausedMs', 'step', 'promoted'] as const)
    if (h[field] !== undefined && !(Number.isInteger(h[field]) && (h[field] as number) >= 0)) return `${field} is not a whole number`;
  if (h.paused !== undefined && typeof h.paused !== 'boolean') return 'paused is not true or false';
  if (h.paused === true && Number.isNaN(Date.parse(String(h.pausedAt)))) return 'pausedAt is not a time';
  // Odd label values (a number, true) written by hand are compared as the text they read as.
  const labels = Object.fromEntries(Object.entries(h.labels as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  return { ...(h as unknown as GrayRelease), labels };
}

/** Whether an instance with `labels` is selected by `selector`: it has every one of them, compared as text. */
export function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const [name, value] of Object.entries(selector)) {
    if (!Object.hasOwn(labels, name) || String(labels[name]) !== String(value)) return false;
  }
  return true;
}

/**
 * Where an instance falls for a gray release, in [0, 100): a hash of the release and instance ids,
 * so the same instance is in at every step once it is in, and each release picks its own sample
 * (as flag rollouts hash the flag key with the user).
 */
export function grayBucket(releaseId: string, instanceId: string): number {
  const digest = createHash('sha256').update(`${releaseId}/${instanceId}`).digest();
  return (digest.readUInt32BE(0) / 0x1_0000_0000) * 100;
}

/** The step `release` is at, at `now`: the steps taken by hand plus those whose time has come, paused time left out. */
export function grayStep(release: GrayRelease, now: number): GrayStep {
  const steps = release.steps;
  if (!steps || steps.length === 0) return { index: 0, percent: 100 };
  const last = steps.length - 1;
  let index = release.step ?? 0;
  let nextAt: number | undefined;
  if (release.stepMs !== undefined) {
    const start = Date.parse(release.startedAt) + (release.pausedMs ?? 0);
    const until = release.paused ? Date.parse(release.pausedAt as string) : now;
    const timed = Math.max(0, Math.floor((until - start) / release.stepMs));
    index += timed;
    if (!release.paused && index < last) nextAt = start + release.stepMs * (timed + 1);
  }
  index = Math.min(index, last);
  return { index, percent: steps[index] as number, ...(nextAt === undefined ? {} : { nextAt }) };
}

/** Whether the instance `{ id, labels }` applies `release` at `now`. */
export function onGrayRelease(
  release: GrayRelease,
  instance: { id: string; labels: Readonly<Record<string, string>> },
  now: number,
): boolean {
  if (!labelsMatch(release.labels, instance.labels)) return false;
  const { percent } = grayStep(release, now);
  return percent >= 100 || grayBucket(release.id, instance.id) < percent;
}
