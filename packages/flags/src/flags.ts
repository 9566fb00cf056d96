import { createDials, type Dials, DialsError, type DialsStatus, type FlagUsage, type Source } from '@dials/core';
import { distinctUntilChanged, filter, map, merge, Observable, Subject, startWith } from 'rxjs';
import { BrokenFlag, CompiledFlag, notFound } from './internal/compile-flag.js';
import { DEFAULT_LIMITS } from './internal/jsonlogic/compile.js';
import type { CompileLimits } from './internal/jsonlogic/types.js';
import { FlagCounter } from './internal/usage.js';
import type {
  BooleanFlagKey,
  EvaluationContext,
  EvaluationDetails,
  FlagDefinition,
  FlagTypes,
  FlagValue,
  FlagValueOf,
  Widen,
} from './types.js';

/** The key holding shared rules (`$evaluators`) under the flags prefix. */
export const EVALUATORS_KEY = '$evaluators';

export interface FlagsOptions {
  /** Where the flags live: `etcdSource()`, `memorySource()`, or `flagdFileSource()` for a flagd file. */
  readonly source: Source;
  /** The prefix holding one key per flag, e.g. `/flags/shop/production/`. */
  readonly prefix: string;
  /** As in `createDials`: the longest time flags are served without confirmation from the source. */
  readonly cacheTtlMs?: number;
  /** Last-known-good file for the flag documents, as in `createDials`. */
  readonly snapshotFile?: string;
  /** Limits on a targeting tree (depth, nodes): past them the flag is a PARSE_ERROR. */
  readonly limits?: Partial<CompileLimits>;
  /**
   * Count evaluations per flag, variant and reason (for the fleet report, `dials flags ls` and
   * metrics): an increment per evaluation. Default true.
   */
  readonly countUsage?: boolean;
  /** As in `createDials`: the app's name in the fleet report. */
  readonly app?: string;
  /** As in `createDials`: report this instance (and its flag usage). Default: on for etcd sources. */
  readonly report?: boolean;
  /** As in `createDials`: this instance's labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** As in `createDials`. */
  readonly instanceId?: string;
  /** As in `createDials`. */
  readonly reportTtlMs?: number;
  /** As in `createDials`: how often flag usage is reported, when it moved. Default 10 000 ms. */
  readonly usageReportMs?: number;
}

/** The flags whose definitions changed in one revision. */
export interface FlagsChange {
  readonly revision: number;
  readonly flagsChanged: readonly string[];
}

type AnyFlag = CompiledFlag | BrokenFlag;
const NO_CONTEXT: EvaluationContext = Object.freeze({});

/**
 * Feature flags in flagd's format, one key per flag, kept live by a Dials watch on the prefix.
 * Targeting is compiled into closures when a flag changes; evaluation is synchronous.
 *
 * @example
 * const flags = createFlags({ source, prefix: '/flags/shop/production/' });
 * await flags.ready();
 * flags.isEnabled('new-checkout', { targetingKey: 'user-42' });
 */
export function createFlags<TFlags extends FlagTypes = FlagTypes>(options: FlagsOptions): Flags<TFlags> {
  return new Flags<TFlags>(options);
}

export class Flags<TFlags extends FlagTypes = FlagTypes> {
  /** The Dials instance that holds the raw flag documents. */
  readonly dials: Dials;
  private readonly flags = new Map<string, AnyFlag>();
  private evaluators: Readonly<Record<string, unknown>> = {};
  private readonly limits: CompileLimits;
  private readonly changesSubject = new Subject<FlagsChange>();
  private readonly flagErrors = new Subject<DialsError>();
  private loaded = false;
  private starting: Promise<void> | undefined;
  /** Evaluation counters by flag key, kept across recompiles; undefined when counting is off. */
  private readonly counters: Map<string, FlagCounter> | undefined;

  /** Each revision's changed flag keys. */
  readonly changes$: Observable<FlagsChange>;
  /** Broken flag documents (the flag keeps its last good version) and source problems. */
  readonly errors$: Observable<DialsError>;
  /** As Dials' status: `connecting`, `ready`, `stale`, `error`, `closed`. */
  readonly status$: Observable<DialsStatus>;

  constructor(private readonly options: FlagsOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.counters = options.countUsage === false ? undefined : new Map();
    this.dials = createDials({
      source: options.source,
      prefix: options.prefix,
      cacheTtlMs: options.cacheTtlMs,
      snapshotFile: options.snapshotFile,
      app: options.app,
      report: options.report,
      labels: options.labels,
      instanceId: options.instanceId,
      reportTtlMs: options.reportTtlMs,
      usageReportMs: options.usageReportMs,
    });
    if (this.counters) this.dials.reportUsage(() => this.usage());
    this.changes$ = this.changesSubject.asObservable();
    this.errors$ = merge(this.dials.errors$, this.flagErrors);
    this.status$ = this.dials.status$;
    this.dials.changes$.subscribe((set) => {
      if (!this.loaded) return;
      const paths = set.changes.map((c) => c.path);
      const changed = paths.includes(EVALUATORS_KEY) ? this.compileAll() : paths.filter((p) => this.compileOne(p));
      if (changed.length > 0) this.changesSubject.next({ revision: set.revision, flagsChanged: changed });
    });
  }

  /** Connects and loads every flag. Rejects as `Dials.ready()` does. */
  ready(): Promise<void> {
    this.starting ??= this.dials.ready().then(() => {
      if (!this.loaded) {
        this.loaded = true;
        this.compileAll();
      }
    });
    return this.starting;
  }

  get status(): DialsStatus {
    return this.dials.status;
  }

  /** The keys of every flag. */
  keys(): string[] {
    return [...this.flags.keys()];
  }

  /**
   * Evaluate a flag: value, variant, reason, error code and message, metadata. Synchronous, never
   * throws. `value` is undefined when no variant applies (disabled, not found, error).
   */
  evaluate<TKey extends keyof TFlags & string>(
    key: TKey,
    context?: EvaluationContext,
  ): EvaluationDetails<FlagValueOf<TFlags, TKey> | undefined>;
  evaluate(key: string, context?: EvaluationContext): EvaluationDetails;
  evaluate(key: string, context: EvaluationContext = NO_CONTEXT): EvaluationDetails {
    const flag = this.flags.get(key);
    if (flag === undefined) return notFound(key);
    // As isEnabled: a flag whose answer does not depend on the context is a counter and a read.
    const constant = flag.constantDetails;
    if (constant === undefined) return flag.evaluate(context);
    flag.constantOutcome.count++;
    return constant;
  }

  /**
   * Evaluate with a default of the expected type, as OpenFeature does: the default stands in for
   * a missing variant, and a variant of another type is a TYPE_MISMATCH.
   */
  resolve<TValue extends FlagValue>(key: string, defaultValue: TValue, context: EvaluationContext = NO_CONTEXT): EvaluationDetails<TValue> {
    const details = this.evaluate(key, context);
    if (details.value === undefined) return { ...details, value: defaultValue };
    if (typeof details.value !== typeof defaultValue) {
      return {
        flagKey: key,
        value: defaultValue,
        reason: 'ERROR',
        errorCode: 'TYPE_MISMATCH',
        errorMessage: `Evaluated type of the flag ${key} does not match. Expected ${typeof defaultValue}, got ${typeof details.value}`,
        flagMetadata: details.flagMetadata,
      };
    }
    return details as unknown as EvaluationDetails<TValue>;
  }

  /** Whether a boolean flag is on for this context (false when off, missing or broken). */
  isEnabled(key: BooleanFlagKey<TFlags>, context: EvaluationContext = NO_CONTEXT): boolean {
    const flag = this.flags.get(key);
    if (flag === undefined) return false;
    const constant = flag.constantEnabled;
    if (constant === undefined) return flag.isEnabled(context);
    flag.constantOutcome.count++;
    return constant;
  }

  /**
   * How each flag was used in this process: evaluations by variant and reason, and when it was last
   * evaluated (to the resolution of the calls to this method). Empty when `countUsage` is false.
   */
  usage(): Record<string, FlagUsage> {
    const now = new Date().toISOString();
    const out: Record<string, FlagUsage> = {};
    for (const [key, counter] of this.counters ?? []) out[key] = counter.usage(now);
    return out;
  }

  /** Every (flag, variant, reason) answered so far and how often: what metrics export. */
  *evaluationCounts(): Iterable<{ flagKey: string; variant: string; reason: string; count: number }> {
    for (const [flagKey, counter] of this.counters ?? []) {
      for (const o of counter.counts()) yield { flagKey, variant: o.variant, reason: o.reason, count: o.count };
    }
  }

  private counterOf(key: string): FlagCounter | undefined {
    if (!this.counters) return undefined;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = new FlagCounter();
      this.counters.set(key, counter);
    }
    return counter;
  }

  /** The flag's value, or `defaultValue` when it has none of that type. Typed by the default. */
  getValue<TKey extends keyof TFlags & string>(
    key: TKey,
    defaultValue: Widen<FlagValueOf<TFlags, TKey>>,
    context?: EvaluationContext,
  ): Widen<FlagValueOf<TFlags, TKey>>;
  getValue<TValue extends FlagValue>(key: string, defaultValue: TValue, context?: EvaluationContext): Widen<TValue>;
  getValue(key: string, defaultValue: FlagValue, context: EvaluationContext = NO_CONTEXT): FlagValue {
    const value = this.evaluate(key, context).value;
    return value !== undefined && typeof value === typeof defaultValue ? value : defaultValue;
  }

  /**
   * The flag's value for `context` now, then again whenever the flag (or a shared rule) changes:
   * distinct values only. Completes on `close()`.
   */
  value$<TKey extends keyof TFlags & string>(key: TKey, context?: EvaluationContext): Observable<FlagValueOf<TFlags, TKey> | undefined>;
  value$(key: string, context: EvaluationContext = NO_CONTEXT): Observable<FlagValue | undefined> {
    return new Observable<FlagValue | undefined>((subscriber) => {
      void this.ready().catch(() => undefined);
      return this.changes$
        .pipe(
          filter((change) => change.flagsChanged.includes(key)),
          startWith(null),
          map(() => this.evaluate(key, context).value),
          distinctUntilChanged(),
        )
        .subscribe(subscriber);
    });
  }

  /** Stop watching and release the source. */
  async close(): Promise<void> {
    await this.dials.close();
    this.changesSubject.complete();
    this.flagErrors.complete();
  }

  // ---- compiling -----------------------------------------------------------------------------

  private compileAll(): string[] {
    const evaluators = this.dials.get(EVALUATORS_KEY);
    this.evaluators =
      evaluators && typeof evaluators === 'object' && !Array.isArray(evaluators) ? (evaluators as Record<string, unknown>) : {};
    const changed: string[] = [];
    const keys = new Set([...Object.keys(this.dials.snapshot.values), ...this.flags.keys()]);
    keys.delete(EVALUATORS_KEY);
    for (const key of keys) if (this.compileOne(key, true)) changed.push(key);
    return changed;
  }

  /** (Re)compile one flag from its document; true when what it evaluates to may have changed. */
  private compileOne(key: string, force = false): boolean {
    if (key === EVALUATORS_KEY) return false;
    const document = this.dials.get(key);
    const previous = this.flags.get(key);
    if (document === undefined) {
      return this.flags.delete(key);
    }
    if (!force && previous instanceof CompiledFlag && previous.definition === document) return false;
    try {
      if (typeof document !== 'object' || document === null || Array.isArray(document)) {
        throw new Error(typeof document === 'string' ? 'the value is not JSON' : 'a flag must be a JSON object');
      }
      this.flags.set(key, new CompiledFlag(key, document as FlagDefinition, this.evaluators, this.limits, this.counterOf(key)));
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const fullKey = this.options.prefix + key;
      const kept = previous instanceof CompiledFlag ? 'its last good version stays in force' : 'it evaluates to PARSE_ERROR until fixed';
      this.flagErrors.next(
        new DialsError('PARSE_ERROR', `Flag ${fullKey} is invalid (${reason}); ${kept}.`, { key: fullKey, cause: error }),
      );
      if (previous instanceof CompiledFlag) return false;
      this.flags.set(key, new BrokenFlag(key, `Invalid flag configuration for flag '${key}': ${reason}`, this.counterOf(key)));
      return true;
    }
  }
}
