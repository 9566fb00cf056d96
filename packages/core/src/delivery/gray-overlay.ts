import type { DialsOptions } from '../dials-options.js';
import { asDialsError, DialsError } from '../errors.js';
import { instanceIdOf } from '../fleet/fleet-member.js';
import type { OverlayValue } from '../internal/config-state.js';
import { isUnsafePath } from '../internal/config-tree.js';
import { namespaceOf } from '../releases.js';
import type { SchemaMap } from '../schema.js';
import type { PrefixWatch, RangeResult, Source, WatchBatch } from '../types.js';
import { GRAY_PREFIX, type GrayRelease, grayStep, labelsMatch, onGrayRelease, parseGrayHeader } from './gray-model.js';

/** The instance deciding which gray releases are its own: its id (hashed for steps) and labels. */
export interface GrayInstance {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface GrayOverlayHooks {
  /** The values of the gray releases this instance is on, by path, to apply above its prefixes; `revision` is the overlay's. */
  readonly apply: (values: ReadonlyMap<string, OverlayValue>, revision: number) => void;
  readonly report: (error: DialsError) => void;
  /** The set of gray releases this instance is on changed (its fleet report says which). */
  readonly changed: () => void;
}

/** A promoted release's values are kept at most this long waiting for the layers to apply its revision. */
const MAX_DRAIN_MS = 10_000;

type RawKv = { readonly value: string; readonly modRevision: number; readonly binary?: boolean };

/** setTimeout's longest delay; a later step boundary is re-checked then. */
const MAX_DELAY_MS = 2 ** 31 - 1;

const sameOverlay = (a: ReadonlyMap<string, OverlayValue>, b: ReadonlyMap<string, OverlayValue>) =>
  a.size === b.size && [...a].every(([path, v]) => b.get(path)?.raw === v.raw && b.get(path)?.binary === v.binary);

/**
 * The reader side of gray releases: one watch on `/dials/gray/<namespace>/` per Dials instance.
 * On every change, and at each timed step's boundary, it works out which releases this instance is
 * on (labels, then the step's share by hash) and hands the merged values to ConfigState, which
 * applies them into the snapshot like a top layer: reads never look at the overlay.
 */
export class GrayOverlay {
  readonly prefix: string;
  /** Every key under the prefix as the watch last delivered it. */
  private readonly raw = new Map<string, RawKv>();
  /**
   * Promoted releases whose overlay is gone but whose promote revision the layers have not applied
   * yet: their keys, kept as they were, until then (the two watches are not ordered).
   */
  private readonly draining = new Map<
    string,
    { readonly until: number; readonly entries: Map<string, RawKv>; readonly timer: ReturnType<typeof setTimeout> }
  >();
  /** The highest revision this instance's layers have applied. */
  private layersRevision = 0;
  private revision = 0;
  private applied: ReadonlyMap<string, OverlayValue> = new Map();
  private watch: PrefixWatch | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private loaded = false;
  private closed = false;
  /** Keys already reported as unusable, with the revision reported: said once per version. */
  private readonly reported = new Map<string, number>();
  /** The ids of the gray releases this instance is on, oldest first. */
  active: readonly string[] = [];

  /**
   * The overlay of a Dials instance, when it follows gray releases: by default when it has labels
   * (a release selects by them), else with `gray: true`. It follows the namespace of its most
   * specific prefix, the one it reports under.
   */
  static create(
    source: Source,
    options: DialsOptions<SchemaMap>,
    prefixes: readonly string[],
    hooks: GrayOverlayHooks,
  ): GrayOverlay | undefined {
    const labels = { ...options.labels };
    const namespace = namespaceOf(prefixes[prefixes.length - 1]);
    if (!(options.gray ?? Object.keys(labels).length > 0) || namespace === 'default') return undefined;
    return new GrayOverlay(source, namespace, { id: instanceIdOf(options), labels }, hooks);
  }

  constructor(
    private readonly source: Source,
    private readonly namespace: string,
    private readonly instance: GrayInstance,
    private readonly hooks: GrayOverlayHooks,
  ) {
    this.prefix = `${GRAY_PREFIX}${namespace}/`;
  }

  /**
   * Watch the namespace's gray releases. Resolves once the first read is applied, so an instance
   * that (re)starts mid-release serves its gray values from `ready()` on. A role that may not read
   * the prefix is said once on `errors$` and the instance goes on without gray releases.
   */
  open(restoredFromFile: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.watch = this.source.watch(this.prefix, {
        reset: (range) => {
          this.load(range);
          resolve();
        },
        batch: (batch) => this.change(batch),
        status: () => undefined,
        error: (error) => {
          const dialsError = asDialsError(error, 'GENERAL');
          if (dialsError.code === 'PERMISSION_DENIED') {
            this.hooks.report(
              new DialsError(
                'PERMISSION_DENIED',
                `Cannot read gray releases under ${this.prefix} (${dialsError.message}): this instance applies none. Grant the app's role read on ${this.prefix} (dials rbac prints it).`,
                { key: this.prefix, cause: dialsError },
              ),
            );
            void this.stop();
            resolve();
            return;
          }
          if (!this.loaded && !restoredFromFile) reject(dialsError);
          // An outage is reported by the prefixes' own watches already; say only what is the overlay's.
          if (dialsError.code !== 'UNAVAILABLE' && dialsError.code !== 'TIMEOUT') this.hooks.report(dialsError);
        },
      });
    });
  }

  private load(range: RangeResult): void {
    this.raw.clear();
    for (const kv of range.kvs) this.raw.set(kv.key, kv);
    for (const key of range.invalidKeys ?? [])
      this.once(key, 0, new DialsError('UNSAFE_KEY', `Key ${key} is not UTF-8 text: it is left out of ${this.prefix}`, { key }));
    this.revision = range.revision;
    this.loaded = true;
    this.evaluate();
  }

  private change(batch: WatchBatch): void {
    for (const event of batch.events) if (event.type !== 'put') this.drain(event.key);
    for (const event of batch.events) {
      if (event.type === 'put' && event.value !== undefined) {
        this.raw.set(event.key, { value: event.value, modRevision: event.modRevision, binary: event.binary });
      } else this.raw.delete(event.key);
    }
    this.revision = batch.revision;
    if (this.loaded) this.evaluate();
  }

  /** A promoted release's header going: keep its keys until the layers have applied the promote's revision. */
  private drain(key: string): void {
    const id = key.slice(this.prefix.length);
    const kv = this.raw.get(key);
    if (!kv || id.includes('/') || this.draining.has(id)) return;
    const release = parseGrayHeader(kv.value, this.namespace, id);
    if (typeof release === 'string' || release.state !== 'promoting' || release.promoted === undefined) return;
    if (release.promoted <= this.layersRevision) return;
    const entries = new Map<string, RawKv>();
    for (const [k, v] of this.raw) if (k === key || k.startsWith(`${key}/`)) entries.set(k, v);
    const timer = setTimeout(() => this.drained(id), MAX_DRAIN_MS);
    timer.unref?.();
    this.draining.set(id, { until: release.promoted, entries, timer });
  }

  private drained(id: string): void {
    const entry = this.draining.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.draining.delete(id);
    this.evaluate();
  }

  /** The layers applied up to `revision`: promoted releases they now hold are let go. */
  layersAt(revision: number): void {
    this.layersRevision = Math.max(this.layersRevision, revision);
    for (const [id, { until }] of this.draining) if (until <= this.layersRevision) this.drained(id);
  }

  /** Every key under the prefix as it stands, with the keys of releases still draining. */
  private entries(): ReadonlyMap<string, RawKv> {
    if (this.draining.size === 0) return this.raw;
    const all = new Map(this.raw);
    for (const { entries } of this.draining.values()) for (const [k, v] of entries) all.set(k, v);
    return all;
  }

  /** Work out which releases this instance is on now, apply their values if they changed, and wake up at the next step. */
  private evaluate(): void {
    if (this.closed) return;
    const now = Date.now();
    const headers: GrayRelease[] = [];
    const all = this.entries();
    for (const [key, kv] of all) {
      const id = key.slice(this.prefix.length);
      if (id.includes('/')) continue;
      const release = parseGrayHeader(kv.value, this.namespace, id);
      if (typeof release === 'string')
        this.once(
          key,
          kv.modRevision,
          new DialsError(
            'PARSE_ERROR',
            `Gray release header ${key} cannot be read (${release}): it is skipped, its values are not applied`,
            { key },
          ),
        );
      else headers.push(release);
    }
    // Where two releases set one path, the later one wins.
    const on = headers
      .filter((release) => onGrayRelease(release, this.instance, now))
      .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.id < b.id ? -1 : 1));
    const values = new Map<string, OverlayValue>();
    for (const release of on) this.collect(release, all, values);
    const ids = on.map((r) => r.id);
    const moved = ids.length !== this.active.length || ids.some((id, i) => id !== this.active[i]);
    this.active = ids;
    if (!sameOverlay(values, this.applied)) {
      this.applied = values;
      this.hooks.apply(values, this.revision);
    }
    if (moved) this.hooks.changed();
    this.schedule(headers, now);
  }

  /** Add `release`'s values to `into`, skipping (and saying once) those no instance should apply. */
  private collect(release: GrayRelease, all: ReadonlyMap<string, RawKv>, into: Map<string, OverlayValue>): void {
    const under = `${this.prefix}${release.id}/`;
    for (const [key, kv] of all) {
      if (!key.startsWith(under)) continue;
      const path = key.slice(under.length);
      if (path === '' || isUnsafePath(path)) {
        this.once(
          key,
          kv.modRevision,
          new DialsError(
            'UNSAFE_KEY',
            `Gray value ${key} has ${path === '' ? 'no path' : 'a segment (__proto__, constructor or prototype)'}: it is not applied`,
            { key },
          ),
        );
        continue;
      }
      into.set(path, { raw: kv.value, key, ...(kv.binary ? { binary: true } : {}) });
    }
  }

  /** Re-evaluate when the next timed step of a release whose labels match begins. */
  private schedule(headers: readonly GrayRelease[], now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const release of headers) {
      if (!labelsMatch(release.labels, this.instance.labels)) continue;
      const at = grayStep(release, now).nextAt;
      if (at !== undefined && at < next) next = at;
    }
    if (next === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.evaluate(), Math.min(MAX_DELAY_MS, Math.max(0, next - now)));
    this.timer.unref?.();
  }

  private once(key: string, revision: number, error: DialsError): void {
    if (this.reported.get(key) === revision) return;
    this.reported.set(key, revision);
    this.hooks.report(error);
  }

  private async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.draining.values()) clearTimeout(timer);
    this.draining.clear();
    await this.stop();
  }
}
