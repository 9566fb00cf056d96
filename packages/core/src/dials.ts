import { BehaviorSubject, Observable, Subject } from 'rxjs';
import type { GrayOverlay } from './delivery/gray-overlay.js';
import {
  type ChangeSet,
  type ConfigChange,
  checkedPrefixes,
  type DialsOptions,
  type DialsSnapshot,
  type DialsStats,
  type PublishChange,
  type PublishOptions,
} from './dials-options.js';
import { DialsWrites } from './dials-writes.js';
import type { DialsError } from './errors.js';
import type { FleetMember } from './fleet/fleet-member.js';
import type { FlagUsage } from './fleet/instance-report.js';
import type { ConfigState } from './internal/config-state.js';
import { dialsParts } from './internal/dials-parts.js';
import { DialsStatusState } from './internal/dials-status.js';
import type { FetchCache } from './internal/fetch-cache.js';
import type { LayerSet } from './internal/layer-set.js';
import { catchSubscriberErrors, releaseSource, retainSource } from './internal/lifecycle.js';
import { PathSubscribers } from './internal/path-subscribers.js';
import { RevisionViews } from './internal/revision-views.js';
import type { SnapshotWriter } from './internal/snapshot-file.js';
import { startUp } from './internal/start-up.js';
import type { ConfigOf, InferOutput, SchemaMap, StandardSchemaV1 } from './schema.js';
import type { DialsStatus, RefusedKey } from './types.js';

export type { ChangeSet, ConfigChange, DialsOptions, DialsSnapshot, DialsStats, PublishChange, PublishOptions };

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

export class Dials<TSchema extends SchemaMap = SchemaMap> extends DialsWrites {
  private readonly snapshotFile: string | undefined;
  private readonly layers: LayerSet;
  /** The effective value of every path, derived from the layers' raw values. */
  private readonly state: ConfigState;
  /** `state.values`, held here too: `get()` is the hot path. */
  private readonly values: Map<string, unknown>;
  private readonly subscribers = new PathSubscribers();
  private readonly fetchCache: FetchCache;
  private readonly writer: SnapshotWriter | undefined;
  private readonly statusState: DialsStatusState;
  private readonly changesSubject = new Subject<ChangeSet>();
  private readonly errorsSubject = new Subject<DialsError>();
  private readonly generation$ = new BehaviorSubject(0);
  private readonly views: RevisionViews;
  private starting: Promise<void> | undefined;
  private abortStart: (() => void) | undefined;
  private readonly stopCatching: () => void;
  /** This instance's report and schema in the fleet, when reporting is on. */
  private readonly fleet: FleetMember | undefined;
  /** The gray releases that select this instance, applied above its prefixes, when it follows them. */
  private readonly gray: GrayOverlay | undefined;

  /** Status: `connecting`, then `ready` (`degraded` while keys are refused); `stale` while the source is unreachable; `error`; `closed`. */
  readonly status$: Observable<DialsStatus>;
  /** Every applied revision's changes. Hot: emits from subscription on. */
  readonly changes$: Observable<ChangeSet>;
  /** Problems that did not stop Dials: values failing their schema, source outages, a corrupt snapshot file. */
  readonly errors$: Observable<DialsError>;
  /** The typed nested config object: the current one on subscription, then one per revision. */
  readonly config$: Observable<ConfigOf<TSchema>>;

  constructor(options: DialsOptions<TSchema>) {
    super(options.source, [...checkedPrefixes(options)]);
    this.statusState = new DialsStatusState(
      () => this.state.refused.size,
      () => this.fleet?.changed(),
    );
    ({
      fetchCache: this.fetchCache,
      state: this.state,
      layers: this.layers,
      writer: this.writer,
      fleet: this.fleet,
      gray: this.gray,
    } = dialsParts(this.source, this.prefixes, options, {
      report: (error) => this.report(error),
      notify: (changes) => this.notify(changes),
      refusedChanged: () => this.statusState.update(),
      layerStatus: (status) => this.statusState.layers(status),
      status: () => this.statusState.value,
    }));
    this.values = this.state.values;
    this.views = new RevisionViews(this.state);
    this.snapshotFile = options.snapshotFile;
    retainSource(this.source);
    this.stopCatching = catchSubscriberErrors((error) => this.report(error));
    this.status$ = this.statusState.status$;
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
    return this.statusState.value;
  }

  /**
   * Keys whose value in the source this instance refuses, keeping the last good value (or none):
   * a value that fails its schema, a required key deleted, a required key never set. While there
   * are any, a ready instance's status is `degraded`.
   */
  get refused(): readonly RefusedKey[] {
    return [...this.state.refused.values()];
  }

  /** The ids of the gray releases whose values this instance applies now (see `publish({ gray })`). */
  get grayReleases(): readonly string[] {
    return this.gray?.active ?? [];
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
      if (this.statusState.closed) {
        subscriber.complete();
        return undefined;
      }
      return this.subscribers.add(path, subscriber);
    });
  }

  /** All values at the current revision, immutable; the same object until the next change. */
  get snapshot(): DialsSnapshot {
    return this.views.snapshot;
  }

  /** The typed nested config (`config.database.host`) at the current revision, frozen; built once per revision. */
  get config(): ConfigOf<TSchema> {
    return this.views.config as ConfigOf<TSchema>;
  }

  /** Counters: re-reads, resets, applied batches, open watches. */
  get stats(): DialsStats {
    return {
      ttlRereads: this.layers.rereads,
      ...this.state.counters,
      watches: this.layers.watchCount,
      watchRestarts: this.layers.restarts,
    };
  }

  /**
   * Read a key outside the watched prefixes (a full key), cached for `cacheTtlMs`,
   * stale-while-revalidate: an expired entry answers at once and is refreshed in the background.
   * Keys under a watched prefix answer from the snapshot.
   */
  async fetch<TValue = unknown>(key: string, schema?: StandardSchemaV1<unknown, TValue>): Promise<TValue | undefined> {
    this.assertOpen();
    const layer = this.layers.layerOf(key);
    if (layer) return this.values.get(key.slice(layer.prefix.length)) as TValue | undefined;
    return this.fetchCache.fetch(key, schema);
  }

  /**
   * Stop watching, write the last snapshot file, complete every stream and release the source
   * (closed when no other Dials or Flags instance uses it).
   */
  async close(): Promise<void> {
    if (!this.statusState.close()) return;
    this.abortStart?.();
    await this.layers.close();
    await this.gray?.close();
    await this.fleet?.close();
    await this.writer?.flush();
    this.subscribers.completeAll();
    this.fetchCache.clear();
    this.statusState.subject.complete();
    this.changesSubject.complete();
    this.errorsSubject.complete();
    this.generation$.complete();
    this.stopCatching();
    await releaseSource(this.source);
  }

  /** Report a problem on `errors$`: for adapters built on Dials (a refused log level, say). */
  report(error: DialsError): void {
    if (!this.errorsSubject.closed) this.errorsSubject.next(error);
  }

  /** For @dials/flags: the flag usage this instance reports with its presence. */
  reportUsage(usage: () => Record<string, FlagUsage>): void {
    if (this.fleet) this.fleet.usage = usage;
  }

  private async startQuietly(): Promise<void> {
    try {
      await this.ready();
    } catch {
      // ready() already reported it on status$; whoever awaits ready() gets the error.
    }
  }

  private async start(): Promise<void> {
    this.assertOpen();
    const { source, prefixes, snapshotFile, state, layers, gray, fleet } = this;
    await startUp({
      ...{ source, prefixes, snapshotFile, state, layers, gray, fleet, status: this.statusState.subject },
      report: (e) => this.report(e),
      fail: (e) => this.statusState.fail(e),
      onClose: (abort) => {
        this.abortStart = abort;
      },
    });
  }

  /** Tell everyone about the changes of one revision: path subscribers, `changes$`, `config$`, the snapshot file. */
  private notify(changes: ConfigChange[]): void {
    this.subscribers.notify(changes);
    this.changesSubject.next({ revision: this.state.revision, changes });
    this.generation$.next(this.state.generation);
    this.writer?.schedule();
    this.fleet?.changed();
  }

  protected schemaOf(path: string): StandardSchemaV1 | undefined {
    return this.state.schemaOf(path);
  }

  protected assertOpen(): void {
    this.statusState.assertOpen(this.prefixes);
  }
}
