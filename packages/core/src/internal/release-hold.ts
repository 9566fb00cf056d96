import { asDialsError, DialsError } from '../errors.js';
import { enclosingNamespaces, IN_PROGRESS_PREFIX, markCovers, markNamespace } from '../in-progress.js';
import type { PrefixWatch, RangeResult, Source, WatchBatch } from '../types.js';

/** A mark's life: from the revision that created it to the one that removed it (undefined while it stands). */
interface Interval {
  readonly namespace: string;
  readonly from: number;
  to: number | undefined;
  /** Held past MAX_HOLD_MS and applied anyway: not held again. */
  gaveUp?: boolean;
}

/** A held release is applied anyway after this long (a writer that hangs with its lease alive). */
export const MAX_HOLD_MS = 300_000;

/** How long after the mark watch (re)connects its order is not trusted: etcd catches a re-created watch up every 100 ms. */
export const CATCH_UP_MS = 1_000;

/**
 * `ordered`: once the mark watch has been live for CATCH_UP_MS, a batch ahead of it is applied (etcd
 * sends a mark a round trip before the release's first change); `strict`: it is asked of etcd's history.
 */
export type HoldMode = 'ordered' | 'strict';

export interface HoldHooks {
  /** Apply one batch of layer `index` now. */
  applyBatch(index: number, batch: WatchBatch): void;
  /** Re-read every layer and apply what changed as one change set; resolves with each layer's read revision. */
  reread(): Promise<readonly number[]>;
  report(error: DialsError): void;
}

/**
 * Holds a Dials' watch batches while a release of several transactions is written, and applies
 * it whole when it is done: one change set, one `config$` object.
 *
 * The mark (`/dials/in-progress/<namespace>`) and the prefixes come on different watch streams,
 * which etcd does not order against each other. A batch at revision r is held when a mark
 * covering its prefix stood at r: known from the mark watch when that has seen r; else, in
 * `strict` mode or while the mark watch catches up, asked of etcd's history at r; else applied,
 * and a mark that then turns out older than an applied batch is reported (SPLIT_RELEASE). When the
 * mark goes, each layer is re-read and applied at once (the held batches are not kept: the read
 * has them), and batches at or below the read revision are dropped.
 */
export class ReleaseHold {
  private readonly intervals: Interval[] = [];
  /** The highest revision the mark watch has shown us: marks up to here are known. */
  private markRevision = 0;
  private watch: PrefixWatch | undefined;
  /** Marks cannot be read (no grant, no history): batches are applied as they come. */
  private blind = false;
  /** The mark being waited for, and since which batch revision. */
  private held: { interval: Interval; timer: ReturnType<typeof setTimeout> } | undefined;
  /** Per layer: batches at or below this revision are in a re-read already applied. */
  private readonly skipThrough: number[];
  /** Per layer: the newest revision applied, to tell a mark that came after its release's changes. */
  private readonly appliedThrough: number[];
  /** Since when (ms) the mark watch is live; undefined while it is not. */
  private liveSince: number | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Steps queued and not yet done. */
  private pending = 0;

  constructor(
    private readonly source: Source,
    private readonly prefixes: readonly string[],
    private readonly hooks: HoldHooks,
    private readonly mode: HoldMode = 'ordered',
  ) {
    this.skipThrough = prefixes.map(() => 0);
    this.appliedThrough = prefixes.map(() => 0);
  }

  /** Whether a release is being held now. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  start(): void {
    this.watch = this.source.watch(IN_PROGRESS_PREFIX, {
      reset: (range) => this.onMarks(range),
      batch: (batch) => this.onMarkBatch(batch),
      status: (status) => {
        this.liveSince = status === 'ready' ? Date.now() : undefined;
      },
      error: (error) => {
        const dialsError = asDialsError(error, 'GENERAL');
        if (dialsError.code !== 'PERMISSION_DENIED' || this.blind) return;
        // Without the grant, releases of several transactions apply one transaction at a time.
        this.blind = true;
        void this.watch?.close();
        this.hooks.report(
          new DialsError(
            'PERMISSION_DENIED',
            `Cannot read ${IN_PROGRESS_PREFIX} (${dialsError.message}): releases of more than one transaction will be applied as they are written, not whole. Grant read on ${IN_PROGRESS_PREFIX}.`,
            { key: IN_PROGRESS_PREFIX },
          ),
        );
      },
    });
  }

  /** A layer's batch: applied, held, or dropped (a re-read has it), in the order batches came. */
  offer(index: number, batch: WatchBatch): void {
    // Decided at once when nothing is queued and the marks are known (always, on an in-process source).
    if (this.pending === 0) {
      const known = this.knownAt(this.prefixes[index] as string, batch.revision);
      if (known !== 'ask') {
        this.decide(index, batch, known);
        return;
      }
    }
    this.enqueue(async () => {
      const known = this.knownAt(this.prefixes[index] as string, batch.revision);
      this.decide(index, batch, known === 'ask' ? await this.askAt(this.prefixes[index] as string, batch.revision) : known);
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(step)
      .catch((error: unknown) => this.hooks.report(asDialsError(error, 'GENERAL')))
      .finally(() => {
        this.pending--;
      });
  }

  private decide(index: number, batch: WatchBatch, standing: Interval | undefined): void {
    if (batch.revision <= (this.skipThrough[index] ?? 0)) return;
    if (this.held) return; // the re-read at the end brings it
    if (!standing) {
      this.hooks.applyBatch(index, batch);
      this.appliedThrough[index] = Math.max(this.appliedThrough[index] ?? 0, batch.revision);
      return;
    }
    this.held = { interval: standing, timer: setTimeout(() => this.end(), MAX_HOLD_MS) };
    this.held.timer.unref?.();
    if (standing.to !== undefined) this.enqueue(() => this.release());
  }

  /** The mark covering `prefix` that stood at `revision` as far as the mark watch tells; 'ask' when it has not seen that far. */
  private knownAt(prefix: string, revision: number): Interval | undefined | 'ask' {
    const known = this.intervals.find(
      (i) => markCovers(i.namespace, prefix) && i.from <= revision && (i.to === undefined || revision < i.to),
    );
    if (known) return known.gaveUp ? undefined : known;
    const exact = this.blind || this.source.watchesInOrder === true || revision <= this.markRevision || !this.source.history;
    return exact || this.trustsOrder() ? undefined : 'ask';
  }

  /** Whether a batch ahead of the mark watch may be applied without asking (see HoldMode). */
  private trustsOrder(): boolean {
    return this.mode === 'ordered' && this.liveSince !== undefined && Date.now() - this.liveSince >= CATCH_UP_MS;
  }

  /** Ask etcd's history which mark covering `prefix` stood at `revision`. */
  private async askAt(prefix: string, revision: number): Promise<Interval | undefined> {
    const history = this.source.history;
    if (!history) return undefined;
    const found = await Promise.all(
      enclosingNamespaces(prefix).map(async (namespace) => {
        const kv = await history.getAt(`${IN_PROGRESS_PREFIX}${namespace}`, revision).catch(() => undefined);
        return kv && kv !== 'compacted' ? { namespace, from: kv.createRevision, to: undefined } : undefined;
      }),
    );
    const standing = found.find((i) => i !== undefined);
    if (!standing) return undefined;
    // The mark watch may already have seen it go; else it will, and end the hold.
    const seen = this.intervals.find((i) => i.namespace === standing.namespace && i.from === standing.from);
    if (seen) return seen.gaveUp ? undefined : seen;
    this.intervals.push(standing);
    return standing;
  }

  private onMarks(range: RangeResult): void {
    const standing = new Map(range.kvs.map((kv) => [markNamespace(kv.key), kv.createRevision]));
    for (const i of this.intervals) if (i.to === undefined && standing.get(i.namespace) !== i.from) i.to = range.revision;
    for (const [namespace, from] of standing) {
      if (!this.intervals.some((i) => i.namespace === namespace && i.from === from)) this.addMark(namespace, from);
    }
    this.markRevision = Math.max(this.markRevision, range.revision);
    this.afterMarks();
  }

  private onMarkBatch(batch: WatchBatch): void {
    for (const event of batch.events) {
      const namespace = markNamespace(event.key);
      const open = this.intervals.find((i) => i.namespace === namespace && i.to === undefined);
      if (event.type === 'delete') {
        if (open) open.to = batch.revision;
      } else if (!open) this.addMark(namespace, batch.revision);
    }
    this.markRevision = Math.max(this.markRevision, batch.revision);
    this.afterMarks();
  }

  /** A mark the watch shows; one older than a change already applied under it came too late to hold all of its release. */
  private addMark(namespace: string, from: number): void {
    this.intervals.push({ namespace, from, to: undefined });
    const early = this.prefixes.filter((prefix, i) => markCovers(namespace, prefix) && (this.appliedThrough[i] ?? 0) > from);
    if (early.length === 0) return;
    this.hooks.report(
      new DialsError(
        'SPLIT_RELEASE',
        `A release into ${namespace} reached ${early.join(', ')} ahead of its mark (revision ${from}): its first changes were applied before the rest, which is held and applied whole. holdReleases: 'strict' checks each change against etcd's history instead.`,
        { key: `${IN_PROGRESS_PREFIX}${namespace}` },
      ),
    );
  }

  /** A held mark that went ends the hold; old intervals are forgotten. */
  private afterMarks(): void {
    if (this.held?.interval.to !== undefined) this.enqueue(() => this.release());
    const oldest = Math.min(...this.skipThrough);
    for (let i = this.intervals.length - 1; i >= 0; i--) {
      const interval = this.intervals[i] as Interval;
      if (interval.to !== undefined && interval.to < oldest && interval !== this.held?.interval) this.intervals.splice(i, 1);
    }
  }

  /** Held too long (a writer that hangs with its lease alive): apply what etcd holds now. */
  private end(): void {
    if (!this.held) return;
    this.held.interval.gaveUp = true;
    this.hooks.report(
      new DialsError(
        'TIMEOUT',
        `A release in ${this.held.interval.namespace} was still being written after ${MAX_HOLD_MS / 1000} s: applying what etcd holds now`,
        { key: `${IN_PROGRESS_PREFIX}${this.held.interval.namespace}` },
      ),
    );
    this.enqueue(() => this.release());
  }

  /** The release is done (or its writer gone): re-read the layers and apply them as one change set. */
  private async release(): Promise<void> {
    const held = this.held;
    if (!held) return;
    try {
      const revisions = await this.hooks.reread();
      revisions.forEach((revision, index) => {
        this.skipThrough[index] = Math.max(this.skipThrough[index] ?? 0, revision);
        this.appliedThrough[index] = Math.max(this.appliedThrough[index] ?? 0, revision);
      });
    } catch (error) {
      // The watches re-read when they reconnect: values converge, without the one change set.
      this.hooks.report(asDialsError(error, 'GENERAL'));
    }
    clearTimeout(held.timer);
    this.held = undefined;
  }

  async close(): Promise<void> {
    if (this.held) clearTimeout(this.held.timer);
    this.held = undefined;
    await this.watch?.close();
  }
}
