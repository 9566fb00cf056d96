import { BehaviorSubject, distinctUntilChanged, Observable, Subject, type Subscriber } from 'rxjs';
import type { ChangeSet, ConfigChange, DialsOptions, DialsSnapshot, DialsStats, PublishChange, PublishOptions } from './dials-options.js';
import { DialsError, messageOf } from './errors.js';
import { type ClusterStatus, EtcdSource } from './etcd-source.js';
import { buildConfigTree, isUnsafePath } from './internal/config-tree.js';
import { clip, type Decoded, decodeValue, deepFreeze, validate } from './internal/decode.js';
import { FetchCache } from './internal/fetch-cache.js';
import { catchSubscriberErrors, releaseSource, retainSource } from './internal/lifecycle.js';
import { readSnapshotFile, type SnapshotFileContent, writeSnapshotFile } from './internal/snapshot-file.js';
import {
  getRelease,
  type KeyChange,
  type LockOptions,
  listReleases,
  namespaceOf,
  publishKeys,
  type Release,
  rollbackRelease,
  withLock,
} from './publish.js';
import type { ConfigOf, InferOutput, SchemaMap, StandardSchemaV1 } from './schema.js';
import { DEFAULT_SECRET_PATTERN, isSecretPath, REDACTED } from './secrets.js';
import type { DialsStatus, KeyValue, PrefixWatch, RangeResult, Source, WatchBatch } from './types.js';

export type { ChangeSet, ConfigChange, DialsOptions, DialsSnapshot, DialsStats, PublishChange, PublishOptions };

interface Layer {
  readonly prefix: string;
  data: Map<string, string>;
  watch: PrefixWatch | undefined;
  loaded: boolean;
  live: boolean;
  unconfirmed: boolean;
  refreshing: boolean;
  /** Pages of the first read decoded while later pages were on their way (see `PrefixListener.page`), in key order. */
  early: { readonly paths: string[]; readonly raws: string[]; readonly decoded: Decoded[] } | undefined;
}

type PathSubscribers = Set<Subscriber<unknown>>;

/**
 * Typed live configuration: loads the prefix (or layers), keeps an in-memory snapshot fresh with
 * one watch per prefix, and serves synchronous reads from it.
 *
 * @example
 * const dials = createDials({
 *   source: etcdSource({ endpoints: ['127.0.0.1:2379'] }),
 *   prefix: '/config/shop/production/',
 *   schema: { 'database/port': z.coerce.number().int() },
 * });
 * await dials.ready();
 * dials.get('database/port'); // number | undefined
 */
export function createDials<TSchema extends SchemaMap = SchemaMap>(options: DialsOptions<TSchema>): Dials<TSchema> {
  return new Dials(options);
}

export class Dials<TSchema extends SchemaMap = SchemaMap> {
  readonly source: Source;
  readonly prefixes: readonly string[];
  private readonly schema: SchemaMap;
  private readonly cacheTtlMs: number;
  private readonly snapshotFile: string | undefined;
  private readonly secrets: readonly (string | RegExp)[];
  private readonly layers: Layer[];
  /** The effective value of every path: what `get()` reads. */
  private readonly values = new Map<string, unknown>();
  /** The raw text behind each applied value (the last good one when a newer raw failed). */
  private readonly appliedRaw = new Map<string, string>();
  private readonly pathSubscribers = new Map<string, PathSubscribers>();
  private readonly fetchCache: FetchCache;
  private readonly statusSubject = new BehaviorSubject<DialsStatus>('connecting');
  private readonly changesSubject = new Subject<ChangeSet>();
  private readonly errorsSubject = new Subject<DialsError>();
  private readonly generation$ = new BehaviorSubject(0);
  private currentRevision = 0;
  private generation = 0;
  private snapshotCache: { generation: number; snapshot: DialsSnapshot } | undefined;
  private configCache: { generation: number; config: unknown } | undefined;
  private starting: Promise<void> | undefined;
  private ttlTimer: ReturnType<typeof setInterval> | undefined;
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private snapshotWrite: Promise<void> = Promise.resolve();
  private restoredFromFile = false;
  private abortStart: (() => void) | undefined;
  private failed: DialsError | undefined;
  private readonly stopCatching: () => void;
  private readonly counters = { ttlRereads: 0, resets: 0, batches: 0 };

  /** Status: `connecting`, then `ready`; `stale` while the source is unreachable; `error`; `closed`. */
  readonly status$: Observable<DialsStatus>;
  /** Every applied revision's changes. Hot: emits from subscription on. */
  readonly changes$: Observable<ChangeSet>;
  /** Problems that did not stop Dials: values failing their schema, source outages, a corrupt snapshot file. */
  readonly errors$: Observable<DialsError>;
  /** The typed nested config object: the current one on subscription, then one per revision. */
  readonly config$: Observable<ConfigOf<TSchema>>;

  constructor(options: DialsOptions<TSchema>) {
    const prefixes = options.layers ?? (options.prefix === undefined ? undefined : [options.prefix]);
    if (!prefixes || prefixes.length === 0) {
      throw new DialsError('INVALID_ARGUMENT', 'createDials: give `prefix` (e.g. "/config/shop/production/") or `layers`');
    }
    if (new Set(prefixes).size !== prefixes.length) {
      throw new DialsError('INVALID_ARGUMENT', `createDials: a prefix appears twice in layers (${prefixes.join(', ')})`);
    }
    this.source = options.source;
    this.prefixes = [...prefixes];
    this.schema = options.schema ?? {};
    this.cacheTtlMs = options.cacheTtlMs ?? 300_000;
    this.fetchCache = new FetchCache(options.source, this.cacheTtlMs, (error) => this.report(error));
    this.snapshotFile = options.snapshotFile;
    this.secrets = options.secrets ?? [DEFAULT_SECRET_PATTERN];
    this.layers = this.prefixes.map((prefix) => ({
      prefix,
      data: new Map(),
      watch: undefined,
      loaded: false,
      live: false,
      unconfirmed: false,
      refreshing: false,
      early: undefined,
    }));
    this.applyDefaults();
    retainSource(this.source);
    this.stopCatching = catchSubscriberErrors((error) => this.report(error));
    this.status$ = this.statusSubject.pipe(distinctUntilChanged());
    this.changes$ = this.changesSubject.asObservable();
    this.errors$ = this.errorsSubject.asObservable();
    this.config$ = new Observable<ConfigOf<TSchema>>((subscriber) => {
      void this.startQuietly();
      return this.generation$.subscribe(() => subscriber.next(this.config));
    });
  }

  /**
   * Connects, loads every prefix and starts watching. Resolves when the values are loaded (or
   * restored from `snapshotFile` while the source is down); rejects with a DialsError naming the
   * endpoint otherwise. Safe to call more than once.
   */
  ready(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  /** The current status. */
  get status(): DialsStatus {
    return this.statusSubject.value;
  }

  /** The highest revision applied. */
  get revision(): number {
    return this.currentRevision;
  }

  /**
   * The value at `path` (relative to the prefix), validated by its schema, or `fallback` when
   * there is none. Synchronous: a read from the in-memory snapshot.
   */
  get<TPath extends keyof TSchema & string>(path: TPath): InferOutput<TSchema[TPath]> | undefined;
  get<TPath extends keyof TSchema & string>(path: TPath, fallback: InferOutput<TSchema[TPath]>): InferOutput<TSchema[TPath]>;
  get<TValue = unknown>(path: string): TValue | undefined;
  get<TValue = unknown>(path: string, fallback: TValue): TValue;
  get(path: string, fallback?: unknown): unknown {
    const value = this.values.get(path);
    return value === undefined ? fallback : value;
  }

  /** Whether `path` has a value. */
  has(path: string): boolean {
    return this.values.has(path);
  }

  /**
   * The value at `path` now, then each time it changes (distinct values only). Never errors: a
   * value that fails its schema is reported on `errors$` and not emitted. Completes on `close()`.
   *
   * @example
   * dials.value$('database/host').subscribe((host) => pool.reconnect(host));
   */
  value$<TPath extends keyof TSchema & string>(path: TPath): Observable<InferOutput<TSchema[TPath]> | undefined>;
  value$<TValue = unknown>(path: string): Observable<TValue | undefined>;
  value$(path: string): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      void this.startQuietly();
      subscriber.next(this.values.get(path));
      if (this.statusSubject.value === 'closed') {
        subscriber.complete();
        return undefined;
      }
      let set = this.pathSubscribers.get(path);
      if (!set) {
        set = new Set();
        this.pathSubscribers.set(path, set);
      }
      set.add(subscriber);
      return () => {
        set.delete(subscriber);
        if (set.size === 0 && this.pathSubscribers.get(path) === set) this.pathSubscribers.delete(path);
      };
    });
  }

  /** All values at the current revision, immutable; the same object until the next change. */
  get snapshot(): DialsSnapshot {
    if (this.snapshotCache?.generation !== this.generation) {
      const values: Record<string, unknown> = Object.create(null);
      for (const [path, value] of this.values) values[path] = value;
      this.snapshotCache = {
        generation: this.generation,
        snapshot: Object.freeze({ revision: this.currentRevision, values: Object.freeze(values) }),
      };
    }
    return this.snapshotCache.snapshot;
  }

  /** The typed nested config (`config.database.host`) at the current revision, frozen; built once per revision. */
  get config(): ConfigOf<TSchema> {
    if (this.configCache?.generation !== this.generation) {
      this.configCache = { generation: this.generation, config: buildConfigTree(this.values) };
    }
    return this.configCache.config as ConfigOf<TSchema>;
  }

  /** Counters: re-reads, resets, applied batches, open watches. */
  get stats(): DialsStats {
    return { ...this.counters, watches: this.layers.filter((l) => l.watch).length };
  }

  /**
   * Read a key outside the watched prefixes (a full key), cached for `cacheTtlMs`,
   * stale-while-revalidate: an expired entry answers at once and is refreshed in the background.
   * Keys under a watched prefix answer from the snapshot.
   */
  async fetch<TValue = unknown>(key: string, schema?: StandardSchemaV1<unknown, TValue>): Promise<TValue | undefined> {
    this.assertOpen();
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as Layer;
      if (layer.loaded && key.startsWith(layer.prefix)) return this.values.get(key.slice(layer.prefix.length)) as TValue | undefined;
    }
    return this.fetchCache.fetch(key, schema);
  }

  /**
   * Write config: puts and deletes in etcd transactions of at most 128 operations (one, so
   * atomic, when they fit), each value validated by its path's schema before anything is written,
   * compare-and-set with `expectRevision`, and a release recorded for `history()` and `rollback()`.
   * Takes `{ path: value }` (undefined deletes) or a list of changes.
   *
   * @example
   * await dials.publish({ 'logging/level': 'debug' }, { message: 'debug checkout', ttlMs: 600_000 });
   */
  async publish(changes: Readonly<Record<string, unknown>> | readonly PublishChange[], options: PublishOptions = {}): Promise<Release> {
    this.assertOpen();
    const prefix = options.prefix ?? (this.prefixes[this.prefixes.length - 1] as string);
    const list: PublishChange[] = Array.isArray(changes)
      ? [...(changes as readonly PublishChange[])]
      : Object.entries(changes).map(([path, value]) => (value === undefined ? { path, delete: true as const } : { path, value }));
    const keyed: KeyChange[] = list.map((change) => {
      if ('delete' in change) return { key: prefix + change.path, after: undefined };
      const raw = 'raw' in change ? change.raw : JSON.stringify(change.value);
      if (raw === undefined)
        throw new DialsError('INVALID_VALUE', `publish: ${prefix + change.path} has no JSON form`, { key: prefix + change.path });
      const decoded = decodeValue(raw, this.schemaOf(change.path));
      if (!decoded.ok) {
        const issues = decoded.issues.map((i) => i.message).join('; ');
        throw new DialsError(
          'INVALID_VALUE',
          `publish refused: ${prefix + change.path} = ${clip(raw)} fails its schema (${issues}). Nothing was written.`,
          {
            key: prefix + change.path,
            raw,
            issues: decoded.issues,
          },
        );
      }
      return { key: prefix + change.path, after: raw };
    });
    return publishKeys(this.source, keyed, { ...options, guardPrefix: prefix, namespace: namespaceOf(prefix) });
  }

  /** Releases of this Dials' last prefix (or `namespace`), newest first. Records are keys: they survive compaction. */
  history(options: { namespace?: string; limit?: number } = {}): Promise<Release[]> {
    return listReleases(this.source, options.namespace ?? namespaceOf(this.prefixes[this.prefixes.length - 1]), options.limit);
  }

  /** Publish the inverse of a release (by object or id); the rollback is itself a release. */
  async rollback(release: Release | string, options: { author?: string; message?: string } = {}): Promise<Release> {
    const target =
      typeof release === 'string' ? await getRelease(this.source, namespaceOf(this.prefixes[this.prefixes.length - 1]), release) : release;
    return rollbackRelease(this.source, target, options);
  }

  /** Run `fn` under a distributed lock (see `withLock()`). */
  withLock<TResult>(name: string, fn: () => Promise<TResult> | TResult, options?: LockOptions): Promise<TResult> {
    return withLock(this.source, name, fn, options);
  }

  /** The etcd cluster's members, leader, health and alarms (etcd sources only). */
  clusterStatus(): Promise<ClusterStatus> {
    if (!(this.source instanceof EtcdSource)) {
      return Promise.reject(new DialsError('INVALID_ARGUMENT', `clusterStatus() needs an etcd source; this one is ${this.source.kind}`));
    }
    return this.source.clusterStatus();
  }

  /**
   * Stop watching, write the last snapshot file, complete every stream and release the source
   * (closed when no other Dials or Flags instance uses it).
   */
  async close(): Promise<void> {
    if (this.statusSubject.value === 'closed') return;
    this.statusSubject.next('closed');
    this.abortStart?.();
    if (this.ttlTimer) clearInterval(this.ttlTimer);
    await Promise.all(this.layers.map((l) => l.watch?.close()));
    for (const layer of this.layers) layer.watch = undefined;
    if (this.snapshotTimer) {
      clearTimeout(this.snapshotTimer);
      this.snapshotTimer = undefined;
      this.persistSnapshot();
    }
    await this.snapshotWrite;
    for (const set of this.pathSubscribers.values()) for (const s of set) s.complete();
    this.pathSubscribers.clear();
    this.fetchCache.clear();
    this.statusSubject.complete();
    this.changesSubject.complete();
    this.errorsSubject.complete();
    this.generation$.complete();
    this.stopCatching();
    await releaseSource(this.source);
  }

  // ---- start-up ------------------------------------------------------------------------------

  private async startQuietly(): Promise<void> {
    try {
      await this.ready();
    } catch {
      // ready() already reported it on status$; whoever awaits ready() gets the error.
    }
  }

  private async start(): Promise<void> {
    this.assertOpen();
    if (this.snapshotFile) await this.restoreSnapshot(this.snapshotFile);
    try {
      await this.source.connect();
    } catch (error) {
      const dialsError =
        error instanceof DialsError
          ? error
          : new DialsError('UNAVAILABLE', messageOf(error), { endpoint: this.source.description, cause: error });
      if (!this.restoredFromFile || dialsError.code === 'AUTH_FAILED' || dialsError.code === 'TLS') {
        this.failed = dialsError;
        if (this.statusSubject.value !== 'closed') this.statusSubject.next('error');
        throw dialsError;
      }
      // Serve the last known good values and catch up when the source comes back: the watches retry.
      this.report(dialsError);
      this.statusSubject.next('stale');
    }
    if (this.statusSubject.value === 'closed') return;
    const loaded = Promise.all(this.layers.map((layer) => this.openWatch(layer)));
    this.ttlTimer = setInterval(() => this.checkTtl(), this.ttlCheckMs);
    this.ttlTimer.unref?.();
    if (this.restoredFromFile) return;
    // close() during start-up ends the wait rather than leaving ready() pending forever.
    const closed = new Promise<never>((_, reject) => {
      this.abortStart = () => reject(new DialsError('CLOSED', `Closed before ${this.prefixes.join(', ')} finished loading`));
    });
    await Promise.race([loaded, closed]);
  }

  /** How often the TTL is checked: a re-read starts one period before the TTL runs out. */
  private get ttlCheckMs(): number {
    return Math.max(10, Math.min(this.cacheTtlMs / 4, 30_000));
  }

  private openWatch(layer: Layer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Loaded and live: the data is in and the watch that keeps it fresh is running.
      const settle = () => {
        if (layer.loaded && layer.live) resolve();
      };
      layer.watch = this.source.watch(layer.prefix, {
        reset: (range) => {
          this.applyReset(layer, range);
          layer.loaded = true;
          settle();
          this.updateStatus();
        },
        page: (kvs, offset) => this.decodeEarly(layer, kvs, offset),
        batch: (batch) => this.applyBatch(layer, batch),
        status: (status) => {
          layer.live = status === 'ready';
          if (layer.live) layer.unconfirmed = false;
          settle();
          this.updateStatus();
        },
        error: (error) => {
          const dialsError = error instanceof DialsError ? error : new DialsError('GENERAL', messageOf(error), { cause: error });
          // Before the first load, the caller of ready() hears about it; the watch keeps retrying.
          if (!layer.loaded && !this.restoredFromFile) reject(dialsError);
          this.report(dialsError);
        },
      });
    });
  }

  private updateStatus(): void {
    const current = this.statusSubject.value;
    if (current === 'closed') return;
    const allLoaded = this.layers.every((l) => l.loaded);
    const allLive = this.layers.every((l) => l.live && !l.unconfirmed);
    if (allLoaded && allLive) this.statusSubject.next('ready');
    else if (allLoaded || this.restoredFromFile) this.statusSubject.next('stale');
  }

  // ---- applying changes ----------------------------------------------------------------------

  /** Decode a page of the first read now, while etcd sends the next; `applyReset` uses what still matches. */
  private decodeEarly(layer: Layer, kvs: readonly KeyValue[], offset: number): void {
    if (layer.loaded || layer.data.size > 0) return;
    // Offset 0 starts a read (the previous one may have failed part-way); a page that does not
    // follow on from the pages before it ends early decoding for this read.
    if (offset === 0) layer.early = { paths: [], raws: [], decoded: [] };
    else if (layer.early?.paths.length !== offset) layer.early = undefined;
    if (!layer.early) return;
    const { paths, raws, decoded } = layer.early;
    for (const kv of kvs) {
      const path = intern(kv.key.slice(layer.prefix.length));
      paths.push(path);
      raws.push(kv.value);
      decoded.push(decodeValue(kv.value, this.schemaOf(path)));
    }
  }

  private applyReset(layer: Layer, range: RangeResult): void {
    this.counters.resets++;
    const early = layer.data.size === 0 ? layer.early : undefined;
    layer.early = undefined;
    const next = new Map<string, string>();
    const kvs = range.kvs;
    for (let i = 0; i < kvs.length; i++) {
      const kv = kvs[i] as KeyValue;
      const path = early && i < early.paths.length && early.raws[i] === kv.value ? (early.paths[i] as string) : undefined;
      next.set(path ?? intern(kv.key.slice(layer.prefix.length)), kv.value);
    }
    if (layer.data.size === 0) {
      // The first load: every path is new, nothing to diff, and each raw value is at hand.
      layer.data = next;
      this.applyLoaded(layer, Math.max(this.currentRevision, range.revision), early);
      return;
    }
    const touched: string[] = [];
    for (const path of layer.data.keys()) if (!next.has(path)) touched.push(path);
    for (const [path, raw] of next) if (layer.data.get(path) !== raw) touched.push(path);
    layer.data = next;
    this.recompute(touched, Math.max(this.currentRevision, range.revision), true);
  }

  private applyBatch(layer: Layer, batch: WatchBatch): void {
    this.counters.batches++;
    const touched: string[] = [];
    for (const event of batch.events) {
      const path = intern(event.key.slice(layer.prefix.length));
      if (event.type === 'put' && event.value !== undefined) layer.data.set(path, event.value);
      else layer.data.delete(path);
      touched.push(path);
    }
    this.recompute(touched, batch.revision);
  }

  /** Re-derive the effective value of `paths` from the layers, then emit the changes together. */
  private recompute(paths: readonly string[], revision: number, unique = false): void {
    const changes: ConfigChange[] = [];
    for (const path of unique ? paths : new Set(paths)) {
      try {
        const change = this.recomputePath(path);
        if (change) changes.push(change);
      } catch (error) {
        this.reportApplyError(path, error);
      }
    }
    this.emit(changes, revision);
  }

  /** A layer's first load: each of its paths takes its raw value, unless a layer above has the path. */
  private applyLoaded(layer: Layer, revision: number, early: Layer['early']): void {
    const above = this.layers.slice(this.layers.indexOf(layer) + 1).filter((l) => l.data.size > 0);
    const changes: ConfigChange[] = [];
    let i = 0;
    for (const [path, raw] of layer.data) {
      // Decoded early only if it was this very path and value (the map keeps the read's order).
      const decoded = early && i < early.paths.length && early.paths[i] === path && early.raws[i] === raw ? early.decoded[i] : undefined;
      i++;
      if (above.length > 0 && above.some((l) => l.data.has(path))) continue;
      try {
        const change = this.applyRaw(path, raw, layer, decoded);
        if (change) changes.push(change);
      } catch (error) {
        this.reportApplyError(path, error);
      }
    }
    this.emit(changes, revision);
  }

  /** One key must never cost the others their revision: report it and go on. */
  private reportApplyError(path: string, error: unknown): void {
    this.report(
      new DialsError('GENERAL', `Applying config path ${path} failed: ${messageOf(error)}; it keeps its last good value.`, {
        key: path,
        cause: error,
      }),
    );
  }

  /** Emit the changes of one revision together: every value is in place before anyone hears of it. */
  private emit(changes: readonly ConfigChange[], revision: number): void {
    this.currentRevision = Math.max(this.currentRevision, revision);
    if (changes.length === 0) return;
    this.generation++;
    // Every value of the revision is in place before anyone hears of it: no torn reads.
    for (const change of changes) {
      const subscribers = this.pathSubscribers.get(change.path);
      if (subscribers) for (const s of [...subscribers]) s.next(change.value);
    }
    this.changesSubject.next({ revision: this.currentRevision, changes });
    this.generation$.next(this.generation);
    this.scheduleSnapshot();
  }

  private recomputePath(path: string): ConfigChange | undefined {
    let raw: string | undefined;
    let layer: Layer | undefined;
    for (let i = this.layers.length - 1; i >= 0 && raw === undefined; i--) {
      layer = this.layers[i] as Layer;
      raw = layer.data.get(path);
    }
    if (raw === undefined || layer === undefined) {
      if (!this.appliedRaw.has(path)) return undefined;
      const previous = this.values.get(path);
      this.appliedRaw.delete(path);
      const fallback = this.defaultOf(path);
      if (fallback === undefined) this.values.delete(path);
      else this.values.set(path, fallback);
      return { path, type: 'delete', value: fallback, previous };
    }
    return this.applyRaw(path, raw, layer);
  }

  /** Decode and validate `raw`, the effective raw value of `path` (from `layer`), and apply it. */
  private applyRaw(path: string, raw: string, layer: Layer, early?: Decoded): ConfigChange | undefined {
    if (this.appliedRaw.get(path) === raw) return undefined;
    const previous = this.values.get(path);
    const decoded = early ?? decodeValue(raw, this.schemaOf(path));
    if (!decoded.ok) {
      const key = layer.prefix + path;
      const issues = decoded.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
      const secret = isSecretPath(path, this.secrets);
      const show = (text: string) => (secret ? REDACTED : clip(text));
      const kept = this.appliedRaw.has(path)
        ? `the last good value ${show(this.appliedRaw.get(path) as string)} stays in force`
        : 'the key stays unset';
      this.report(
        new DialsError('INVALID_VALUE', `Config value at ${key} failed its schema (${issues}): got ${show(raw)}; ${kept}.`, {
          key,
          raw: secret ? undefined : raw,
          issues: decoded.issues,
        }),
      );
      return undefined;
    }
    if (isUnsafePath(path)) {
      this.report(
        new DialsError(
          'UNSAFE_KEY',
          `Config path ${layer.prefix + path} has a segment (__proto__, constructor or prototype) that is left out of config$; get('${path}') still reads it.`,
          { key: layer.prefix + path },
        ),
      );
    }
    this.appliedRaw.set(path, raw);
    this.values.set(path, decoded.value);
    return { path, type: 'put', value: decoded.value, previous };
  }

  private defaultOf(path: string): unknown {
    const schema = this.schemaOf(path);
    if (!schema) return undefined;
    const result = validate(schema, undefined);
    return result.ok ? deepFreeze(result.value) : undefined;
  }

  /** The schema of `path`: an own property only, so a path named `constructor` or `toString` has none. */
  private schemaOf(path: string): StandardSchemaV1 | undefined {
    return Object.hasOwn(this.schema, path) ? this.schema[path] : undefined;
  }

  /** Schema defaults (`z.number().default(5)`) stand in for keys that are not set. */
  private applyDefaults(): void {
    for (const path of Object.keys(this.schema)) {
      const fallback = this.defaultOf(path);
      if (fallback !== undefined) this.values.set(path, fallback);
    }
  }

  // ---- TTL -----------------------------------------------------------------------------------

  private checkTtl(): void {
    const now = Date.now();
    for (const layer of this.layers) {
      const watch = layer.watch;
      if (!watch || layer.refreshing || now - watch.confirmedAt < this.cacheTtlMs - this.ttlCheckMs) continue;
      layer.refreshing = true;
      this.counters.ttlRereads++;
      watch
        .refresh()
        .then(
          () => {
            layer.unconfirmed = false;
          },
          (error: unknown) => {
            if (!layer.unconfirmed)
              this.report(error instanceof DialsError ? error : new DialsError('UNAVAILABLE', messageOf(error), { cause: error }));
            layer.unconfirmed = true;
          },
        )
        .finally(() => {
          layer.refreshing = false;
          this.updateStatus();
        });
    }
  }

  // ---- snapshot file -------------------------------------------------------------------------

  private async restoreSnapshot(file: string): Promise<void> {
    let content: SnapshotFileContent | undefined;
    try {
      content = await readSnapshotFile(file, this.prefixes);
    } catch (error) {
      this.report(error as DialsError);
      return;
    }
    if (!content) return;
    for (const layer of this.layers) {
      for (const [path, raw] of Object.entries(content.layers[layer.prefix] ?? {})) layer.data.set(path, raw);
    }
    this.recompute([...new Set(this.layers.flatMap((l) => [...l.data.keys()]))], content.revision);
    this.restoredFromFile = true;
  }

  private scheduleSnapshot(): void {
    if (!this.snapshotFile || this.snapshotTimer) return;
    // Coalesce bursts: at most one write per 100 ms.
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      this.persistSnapshot();
    }, 100);
    this.snapshotTimer.unref?.();
  }

  private persistSnapshot(): void {
    const file = this.snapshotFile;
    if (!file) return;
    const layers: Record<string, Record<string, string>> = {};
    // Secrets stay in memory: a file on disk is easier to leak than etcd.
    for (const layer of this.layers)
      layers[layer.prefix] = Object.fromEntries([...layer.data].filter(([path]) => !isSecretPath(path, this.secrets)));
    const content: SnapshotFileContent = {
      format: 'dials-snapshot/1',
      source: this.source.description,
      revision: this.currentRevision,
      writtenAt: new Date().toISOString(),
      layers,
    };
    this.snapshotWrite = this.snapshotWrite
      .then(() => writeSnapshotFile(file, content))
      .catch((error: unknown) =>
        this.report(
          new DialsError('SNAPSHOT', `Cannot write snapshot file ${file}: ${messageOf(error)}`, { endpoint: file, cause: error }),
        ),
      );
  }

  // ---- misc ----------------------------------------------------------------------------------

  /** Report a problem on `errors$`: for adapters built on Dials (a refused log level, say). */
  report(error: DialsError): void {
    if (!this.errorsSubject.closed) this.errorsSubject.next(error);
  }

  private assertOpen(): void {
    if (this.statusSubject.value === 'closed')
      throw new DialsError('CLOSED', `This Dials instance (${this.prefixes.join(', ')}) is closed`);
    if (this.failed) throw this.failed;
  }
}

/**
 * The canonical copy of a string (V8 internalizes property keys): `get('database/port')` with a
 * literal then finds its key by identity instead of comparing characters (several times faster).
 * A dictionary-mode object, not a literal `{ [text]: 0 }`: a literal makes V8 build a hidden class
 * for every distinct key, which cost twice as much on a first load of 100 000 keys. The key is read
 * back rather than `text` returned: `text` only becomes a thin reference to the canonical string,
 * and a map keyed by thin references made `get()` 1.7× `Map.get` instead of 1.4×.
 */
function intern(text: string): string {
  const holder = Object.create(null) as Record<string, 0>;
  holder[text] = 0;
  for (const key in holder) return key;
  return text;
}
