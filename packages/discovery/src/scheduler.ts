import { hostname } from 'node:os';
import {
  applyChangeRequest,
  asDialsError,
  CHANGES_PREFIX,
  type ChangeRequest,
  DialsError,
  type KeyValue,
  type PrefixWatch,
  parseChangeRequest,
  type Source,
} from '@dials/core';
import { type Observable, Subject } from 'rxjs';
import { Election } from './election.js';

/** Time as the scheduler sees it: tests give one they move by hand. */
export interface SchedulerClock {
  now(): number;
  /** Call `fn` after `ms`; returns what cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** Node's timers cannot wait longer than about 24 days: a later schedule is looked at again every hour. */
const LONGEST_WAIT = 3_600_000;

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.min(Math.max(0, ms), LONGEST_WAIT));
    return () => clearTimeout(timer);
  },
};

export interface SchedulerOptions {
  /** A source with leases and transactions (etcd; memory for tests). */
  readonly source: Source;
  /** Default: the system clock. */
  readonly clock?: SchedulerClock;
  /** The election among schedulers (`/elections/<name>/`). Default `dials-scheduler`: one leader for the whole cluster. */
  readonly election?: string;
  /** The election lease: when the leader dies, another takes over after about this long. Default 10 000 ms. */
  readonly ttlMs?: number;
  /** Only these namespaces' requests (and those below them). Default: every namespace under `/dials/changes/`. */
  readonly namespaces?: readonly string[];
  /** Who applies, in the requests' history and the releases (the etcd user when the source authenticates). Default `scheduler@<host>:<pid>`. */
  readonly identity?: string;
  /** After a failure that may pass (etcd unreachable), try again this much later (on `clock`). Default 5 000 ms. */
  readonly retryMs?: number;
}

export type SchedulerEvent =
  | { readonly type: 'leading' }
  | { readonly type: 'following' }
  | { readonly type: 'applied'; readonly namespace: string; readonly id: string; readonly release?: string }
  | { readonly type: 'not-applied'; readonly namespace: string; readonly id: string; readonly reason: string }
  | { readonly type: 'error'; readonly error: DialsError };

export interface Scheduler {
  /** What it does: leading or following, each request applied or not (and why), problems. */
  readonly events$: Observable<SchedulerEvent>;
  /** Whether this process holds the scheduler election now. */
  readonly isLeader: boolean;
  /** Stop: resign the election (another scheduler takes over at once) and stop watching. */
  close(): Promise<void>;
}

interface Due {
  readonly namespace: string;
  readonly id: string;
  readonly at: string;
  /** When to look at it (its time, or later after a failure that may pass). */
  time: number;
}

/**
 * Apply scheduled change requests at their time. Every process that runs a scheduler stands in one
 * election; only the leader watches `/dials/changes/` and applies what is due, through
 * `applyChangeRequest()`: compare-and-set against the approved base revision, so a request edited
 * after approval, or whose keys moved, is not applied and its schedule is cancelled with the reason
 * in its history. When the leader dies, the next takes over once its lease ends; a request is
 * written at most once even if two believe they lead (the apply claims it and compares the keys).
 *
 * @example
 * const scheduler = startScheduler({ source: etcdSource({ endpoints }) });
 * scheduler.events$.subscribe((e) => console.log(e.type));
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  if (options.ttlMs !== undefined && !(options.ttlMs >= 1_000)) {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `startScheduler: ttlMs must be at least 1000 (etcd leases are whole seconds); got ${options.ttlMs}`,
    );
  }
  return new RequestScheduler(options);
}

class RequestScheduler implements Scheduler {
  private readonly subject = new Subject<SchedulerEvent>();
  readonly events$ = this.subject.asObservable();
  private readonly source: Source;
  private readonly clock: SchedulerClock;
  private readonly election: Election;
  private readonly identity: string;
  private readonly prefixes: readonly string[];
  private readonly due = new Map<string, Due>();
  private watches: PrefixWatch[] = [];
  private cancelTimer: (() => void) | undefined;
  private leading = false;
  private campaigning = false;
  private closed = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.source = options.source;
    this.clock = options.clock ?? systemClock;
    this.identity = options.identity ?? `scheduler@${hostname()}:${process.pid}`;
    this.prefixes = options.namespaces?.map((n) => `${CHANGES_PREFIX}${n.replace(/^\/+|\/+$/g, '')}/`) ?? [CHANGES_PREFIX];
    this.election = new Election(this.source, options.election ?? 'dials-scheduler', this.identity, options.ttlMs ?? 10_000);
    // A lost lease (or a leader key gone) ends leadership: stop, and stand again.
    this.election.errors$.subscribe((error) => {
      this.subject.next({ type: 'error', error });
      queueMicrotask(() => this.checkLeadership());
    });
    this.election.leader$.subscribe(() => queueMicrotask(() => this.checkLeadership()));
    // After the caller has subscribed to events$: its first event is `following`.
    queueMicrotask(() => void this.campaign());
  }

  get isLeader(): boolean {
    return this.leading && this.election.isLeader;
  }

  private async campaign(): Promise<void> {
    if (this.campaigning || this.closed) return;
    this.campaigning = true;
    this.subject.next({ type: 'following' });
    try {
      await this.election.campaign();
      this.campaigning = false;
      if (this.closed) return;
      this.lead();
    } catch (error) {
      this.campaigning = false;
      if (this.closed) return;
      this.subject.next({ type: 'error', error: asDialsError(error, 'UNAVAILABLE') });
      // Standing again is infrastructure, not a schedule: real time, whatever the clock.
      setTimeout(() => void this.campaign(), 1_000).unref();
    }
  }

  private checkLeadership(): void {
    if (this.closed || !this.leading || this.election.isLeader) return;
    this.follow();
    void this.campaign();
  }

  private lead(): void {
    this.leading = true;
    this.subject.next({ type: 'leading' });
    this.watches = this.prefixes.map((prefix) =>
      this.source.watch(prefix, {
        reset: (range) => {
          for (const key of [...this.due.keys()]) if (key.startsWith(prefix)) this.due.delete(key);
          for (const kv of range.kvs) this.track(kv.key, kv);
          this.arm();
        },
        batch: (batch) => {
          for (const e of batch.events)
            this.track(e.key, e.type === 'put' ? { key: e.key, value: e.value ?? '', modRevision: e.modRevision } : undefined);
          this.arm();
        },
        status: () => undefined,
        error: (error) => this.subject.next({ type: 'error', error: asDialsError(error, 'GENERAL', { key: prefix }) }),
      }),
    );
  }

  private follow(): void {
    this.leading = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    for (const watch of this.watches) void watch.close().catch(() => undefined);
    this.watches = [];
    this.due.clear();
  }

  /** Keep what the record at `key` asks: a time to apply it, or nothing. */
  private track(key: string, kv: Pick<KeyValue, 'key' | 'value' | 'modRevision'> | undefined): void {
    this.due.delete(key);
    if (!kv) return;
    let cr: ChangeRequest;
    try {
      cr = parseChangeRequest({ ...kv, createRevision: 0, version: 0, lease: '0' });
    } catch (error) {
      this.subject.next({ type: 'error', error: asDialsError(error, 'PARSE_ERROR', { key }) });
      return;
    }
    // Open ones too: if still not approved at their time, the apply cancels the schedule, saying so.
    if (cr.schedule && (cr.state === 'open' || cr.state === 'approved')) {
      this.due.set(key, { namespace: cr.namespace, id: cr.id, at: cr.schedule.at, time: Date.parse(cr.schedule.at) });
    }
  }

  /** One timer, for the earliest due request. */
  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (!this.leading || this.closed || this.due.size === 0) return;
    const next = Math.min(...[...this.due.values()].map((d) => d.time));
    this.cancelTimer = this.clock.setTimer(() => this.fire(), next - this.clock.now());
  }

  private fire(): void {
    this.running = (this.running ?? Promise.resolve()).then(() => this.applyDue());
  }

  private async applyDue(): Promise<void> {
    const now = this.clock.now();
    const ready = [...this.due.entries()].filter(([, d]) => d.time <= now).sort(([, a], [, b]) => a.time - b.time);
    for (const [key, due] of ready) {
      if (!this.isLeader || this.closed) return;
      try {
        const result = await applyChangeRequest(this.source, due.namespace, due.id, { scheduledAt: due.at, by: this.identity });
        if (result.retry) due.time = this.clock.now() + (this.options.retryMs ?? 5_000);
        else this.due.delete(key);
        const { namespace, id } = due;
        this.subject.next(
          result.notApplied === undefined
            ? { type: 'applied', namespace, id, ...(result.release ? { release: result.release.id } : {}) }
            : { type: 'not-applied', namespace, id, reason: result.notApplied },
        );
      } catch (error) {
        due.time = this.clock.now() + (this.options.retryMs ?? 5_000);
        this.subject.next({ type: 'error', error: asDialsError(error, 'GENERAL', { key }) });
      }
    }
    this.arm();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.follow();
    await this.running?.catch(() => undefined);
    await this.election.close().catch(() => undefined);
    this.subject.complete();
  }
}
