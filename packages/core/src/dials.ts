import { BehaviorSubject, distinctUntilChanged, Observable, Subject, type Subscriber } from 'rxjs';
import type { ChangeSet, ConfigChange, DialsOptions, DialsSnapshot, DialsStats, PublishChange, PublishOptions } from './dials-options.js';
import { DialsError, messageOf } from './errors.js';
import { type ClusterStatus, EtcdSource } from './etcd-source.js';
import { ConfigState, type Layer as LayerData } from './internal/config-state.js';
import { buildConfigTree } from './internal/config-tree.js';
import { clip, decodeValue } from './internal/decode.js';
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
import { DEFAULT_SECRET_PATTERN, isSecretPath } from './secrets.js';
import type { DialsStatus, PrefixWatch, Source } from './types.js';

export type { ChangeSet, ConfigChange, DialsOptions, DialsSnapshot, DialsStats, PublishChange, PublishOptions };

/** A layer as Dials runs it: its raw values (see ConfigState) and its watch. */
interface Layer extends LayerData {
  watch: PrefixWatch | undefined;
  loaded: boolean;
  live: boolean;
  unconfirmed: boolean;
  refreshing: boolean;
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
  private readonly cacheTtlMs: number;
  private readonly snapshotFile: string | undefined;
  private readonly secrets: readonly (string | RegExp)[];
  private readonly layers: Layer[];
  /** The effective value of every path, derived from the layers' raw values. */
  private readonly state: ConfigState;
  /** `state.values`, held here too: `get()` is the hot path. */
  private readonly values: Map<string, unknown>;
  private readonly pathSubscribers = new Map<string, PathSubscribers>();
  private readonly fetchCache: FetchCache;
  private readonly statusSubject = new BehaviorSubject<DialsStatus>('connecting');
  private readonly changesSubject = new Subject<ChangeSet>();
  private readonly errorsSubject = new Subject<DialsError>();
  private readonly generation$ = new BehaviorSubject(0);
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
  private ttlRereads = 0;

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
    this.state = new ConfigState(this.layers, {
      schema: options.schema ?? {},
      secrets: this.secrets,
      report: (error) => this.report(error),
      onChanges: (changes) => this.notify(changes),
    });
    this.values = this.state.values;
    this.state.applyDefaults();
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
    return this.state.revision;
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
    if (this.snapshotCache?.generation !== this.state.generation) {
      const values: Record<string, unknown> = Object.create(null);
      for (const [path, value] of this.values) values[path] = value;
      this.snapshotCache = {
        generation: this.state.generation,
        snapshot: Object.freeze({ revision: this.state.revision, values: Object.freeze(values) }),
      };
    }
    return this.snapshotCache.snapshot;
  }

  /** The typed nested config (`config.database.host`) at the current revision, frozen; built once per revision. */
  get config(): ConfigOf<TSchema> {
    if (this.configCache?.generation !== this.state.generation) {
      this.configCache = { generation: this.state.generation, config: buildConfigTree(this.values) };
    }
    return this.configCache.config as ConfigOf<TSchema>;
  }

  /** Counters: re-reads, resets, applied batches, open watches. */
  get stats(): DialsStats {
    return { ttlRereads: this.ttlRereads, ...this.state.counters, watches: this.layers.filter((l) => l.watch).length };
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
      const decoded = decodeValue(raw, this.state.schemaOf(change.path));
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
          this.state.applyReset(layer, range);
          layer.loaded = true;
          settle();
          this.updateStatus();
        },
        page: (kvs, offset) => this.state.decodeEarly(layer, kvs, offset),
        batch: (batch) => this.state.applyBatch(layer, batch),
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

  // ---- changes ------------------------------------------------------------------------------

  /** Tell everyone about the changes of one revision: path subscribers, `changes$`, `config$`, the snapshot file. */
  private notify(changes: ConfigChange[]): void {
    for (const change of changes) {
      const subscribers = this.pathSubscribers.get(change.path);
      if (subscribers) for (const s of [...subscribers]) s.next(change.value);
    }
    this.changesSubject.next({ revision: this.state.revision, changes });
    this.generation$.next(this.state.generation);
    this.scheduleSnapshot();
  }

  // ---- TTL -----------------------------------------------------------------------------------

  private checkTtl(): void {
    const now = Date.now();
    for (const layer of this.layers) {
      const watch = layer.watch;
      if (!watch || layer.refreshing || now - watch.confirmedAt < this.cacheTtlMs - this.ttlCheckMs) continue;
      layer.refreshing = true;
      this.ttlRereads++;
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
    this.state.recompute([...new Set(this.layers.flatMap((l) => [...l.data.keys()]))], content.revision);
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
      revision: this.state.revision,
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
