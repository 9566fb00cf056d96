import { hostname } from 'node:os';
import { asDialsError, type DialsError } from '../errors.js';
import type { DialsStatus, Lease, Leases, RefusedKey, Source } from '../types.js';
import { DIALS_VERSION } from '../version.js';

/** Where instances report: `/dials/instances/<namespace>/<instanceId>`, bound to each process's lease. */
export const INSTANCES_PREFIX = '/dials/instances/';
/**
 * When any instance last evaluated each flag: `/dials/flag-usage/<namespace>/<flag>`. Not bound to
 * a lease, so it outlives restarts: what `dials flags stale --unused-for 30d` judges by.
 */
export const FLAG_USAGE_PREFIX = '/dials/flag-usage/';
/** A flag's lasting record is refreshed at most this often per process. */
const LAST_SEEN_EVERY_MS = 3_600_000;

/** One flag's use in one process: evaluations by variant and reason, and when it was last evaluated. */
export interface FlagUsage {
  readonly evaluations: number;
  readonly variants: Readonly<Record<string, number>>;
  readonly reasons: Readonly<Record<string, number>>;
  /** When an evaluation was last counted (to the report interval), ISO time. */
  readonly lastEvaluated?: string;
}

/** What one running process reports about one namespace it follows. */
export interface InstanceReport {
  readonly id: string;
  readonly app: string;
  readonly namespace: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly startedAt: string;
  readonly prefixes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The revision it has applied. */
  readonly revision: number;
  readonly status: DialsStatus;
  /** Keys whose value it refuses (keeping the last good one). */
  readonly refused: readonly RefusedKey[];
  /** For flags: each flag's use in this process. */
  readonly flags?: Readonly<Record<string, FlagUsage>>;
  /** The gray releases whose values it applies (ids; absent in reports of older versions). */
  readonly gray?: readonly string[];
  readonly reportedAt: string;
}

export interface ReporterOptions {
  readonly app: string;
  readonly namespace: string;
  readonly id: string;
  readonly prefixes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The lease's TTL: how long a dead process stays listed. Default 10 000 ms. */
  readonly ttlMs?: number;
  /** Changes (status, revision, refusals) are written at most this often. Default 250 ms. */
  readonly throttleMs?: number;
  /** Flag usage is written at most this often, if it changed. Default 10 000 ms. */
  readonly usageIntervalMs?: number;
  readonly report: (error: DialsError) => void;
}

/**
 * Keeps one presence key per process and namespace, bound to a kept-alive lease: what the process
 * runs and refuses. Written when something changes (throttled) and when flag usage moved (every
 * `usageIntervalMs`), never on the read path; the key vanishes with the process's lease.
 */
export class InstanceReporter {
  readonly key: string;
  private readonly startedAt = new Date().toISOString();
  private lease: Lease | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private usageTimer: ReturnType<typeof setInterval> | undefined;
  private lastUsage = '';
  private writing: Promise<void> = Promise.resolve();
  /** When this process last wrote each flag's lasting record. */
  private readonly lastSeenWritten = new Map<string, number>();
  private closed = false;
  private failedOnce = false;
  /** The state to report; set by the owner. */
  state: () => { revision: number; status: DialsStatus; refused: readonly RefusedKey[]; gray?: readonly string[] } = () => ({
    revision: 0,
    status: 'connecting',
    refused: [],
  });
  /** Flag usage to report, when this instance serves flags. */
  usage: (() => Record<string, FlagUsage>) | undefined;

  constructor(
    private readonly source: Source,
    private readonly leases: Leases,
    private readonly options: ReporterOptions,
  ) {
    this.key = `${INSTANCES_PREFIX}${options.namespace}/${options.id}`;
  }

  /** Take the lease and write the first report; if that fails, say so once and keep trying. */
  start(): void {
    this.bind().catch((error: unknown) => {
      this.options.report(asDialsError(error, 'GENERAL', { key: this.key }));
      if (this.lease === undefined && !this.closed) this.rebind();
    });
    const interval = this.options.usageIntervalMs ?? 10_000;
    this.usageTimer = setInterval(() => {
      if (this.usage && JSON.stringify(this.usage()) !== this.lastUsage) this.changed();
    }, interval);
    this.usageTimer.unref?.();
  }

  /** Something reported changed: write soon (at most every `throttleMs`). */
  changed(): void {
    if (this.closed || this.timer || !this.lease) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.write());
    }, this.options.throttleMs ?? 250);
    this.timer.unref?.();
  }

  /** The report as it would be written now. */
  snapshot(): InstanceReport {
    const { revision, status, refused, gray = [] } = this.state();
    const usage = this.usage?.();
    return {
      id: this.options.id,
      app: this.options.app,
      namespace: this.options.namespace,
      host: hostname(),
      pid: process.pid,
      version: DIALS_VERSION,
      startedAt: this.startedAt,
      prefixes: this.options.prefixes,
      labels: this.options.labels,
      revision,
      status,
      refused,
      gray,
      ...(usage ? { flags: usage } : {}),
      reportedAt: new Date().toISOString(),
    };
  }

  private async bind(): Promise<void> {
    const lease = await this.leases.keepAlive(this.options.ttlMs ?? 10_000);
    if (this.closed) {
      await lease.revoke();
      return;
    }
    this.lease = lease;
    lease.signal.addEventListener('abort', () => this.onLost(lease), { once: true });
    await this.write();
  }

  private async write(): Promise<void> {
    const lease = this.lease;
    if (this.closed || !lease) return;
    const report = this.snapshot();
    try {
      await this.source.put(this.key, JSON.stringify(report), { lease: lease.id });
      this.lastUsage = JSON.stringify(report.flags ?? {});
      this.failedOnce = false;
      await this.writeLastSeen(report);
    } catch (error) {
      // A report that cannot be written must never trouble the app: say it once, try again on the next change.
      if (!this.failedOnce) this.options.report(asDialsError(error, 'GENERAL', { key: this.key }));
      this.failedOnce = true;
    }
  }

  /** Refresh the lasting record of each flag evaluated since this process last wrote it (at most hourly). */
  private async writeLastSeen(report: InstanceReport): Promise<void> {
    const now = Date.now();
    for (const [flag, usage] of Object.entries(report.flags ?? {})) {
      if (!usage.lastEvaluated) continue;
      const written = this.lastSeenWritten.get(flag);
      if (written !== undefined && now - written < LAST_SEEN_EVERY_MS) continue;
      this.lastSeenWritten.set(flag, now);
      const record = { flag, lastEvaluated: usage.lastEvaluated, instance: report.id, app: report.app };
      await this.source.put(`${FLAG_USAGE_PREFIX}${report.namespace}/${flag}`, JSON.stringify(record));
    }
  }

  /** The lease ended (etcd was away longer than its TTL): take a new one and report again. */
  private onLost(lease: Lease): void {
    if (this.closed || this.lease !== lease) return;
    this.lease = undefined;
    this.rebind();
  }

  private rebind(): void {
    let delay = 200;
    const retry = () => {
      if (this.closed) return;
      this.bind().catch(() => {
        delay = Math.min(delay * 2, 5_000);
        setTimeout(retry, delay).unref?.();
      });
    };
    retry();
  }

  /** Remove the report at once (the lease is revoked); first record the flags used since the last report (a short job's too). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.usageTimer) clearInterval(this.usageTimer);
    await this.writing;
    await this.writeLastSeen(this.snapshot()).catch(() => undefined);
    await this.lease?.revoke().catch(() => undefined);
    this.lease = undefined;
  }
}
