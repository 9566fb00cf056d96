import type { IWatchResponse } from 'etcd3';
import { DialsError } from '../errors.js';
import type { KeyValue, PrefixListener, PrefixWatch, RangeResult, WatchEvent } from '../types.js';
import { escapeKey, toKeyValue } from './etcd-kv.js';
import type { WatchStream } from './etcd3-internals.js';
import { prefixEnd } from './keys.js';
import { guard } from './kv-store.js';

/** What a prefix watch needs from its source: reads, raw watch streams, and errors in Dials' terms. */
export interface WatchTransport {
  readonly description: string;
  list(prefix: string, onPage?: (kvs: readonly KeyValue[], offset: number) => void): Promise<RangeResult>;
  openStream(): Promise<WatchStream>;
  /** Turn an etcd3 or gRPC error into a DialsError naming the endpoint and key. */
  toError(error: unknown, action: string, key: string): DialsError;
  /** Whether `error` says the auth token expired; if so, the next stream must authenticate again. */
  renewTokenIf(error: unknown): boolean;
}

/**
 * The lifecycle of a watch: `reading` the prefix, `opening` a stream, `live`, `waiting` to retry
 * after a failure, `closed`. These are the only legal moves.
 */
export type WatchState = 'reading' | 'opening' | 'live' | 'waiting' | 'closed';
const MOVES: Readonly<Record<WatchState, readonly WatchState[]>> = {
  reading: ['opening', 'waiting', 'closed'],
  opening: ['live', 'waiting', 'closed'],
  live: ['waiting', 'closed'],
  waiting: ['reading', 'opening', 'closed'],
  closed: [],
};

/** What must happen before the stream opens again: nothing, a re-read the receiver diffs, or a re-read that replaces everything (the cluster was wiped). */
type Resync = 'none' | 'read' | 'replace';

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2_000;

/**
 * One prefix watch on its own gRPC watch stream, resumed by us rather than by etcd3's
 * WatchManager, so that we control the revision it resumes from:
 * - it starts with a read of the prefix at revision R and watches from R + 1;
 * - after a disconnect it resumes from the last applied revision + 1;
 * - when etcd compacted past that revision, or the cluster's revision went backwards (a wiped
 *   data dir), it re-reads the prefix and reports a `reset`, from which the receiver diffs;
 * - an expired auth token is refreshed and the watch re-created.
 */
export class EtcdPrefixWatch implements PrefixWatch {
  private readonly key: Buffer;
  private readonly end: Buffer;
  private state: WatchState = 'reading';
  private resync: Resync = 'read';
  /** The highest revision whose changes the listener has, or 0 before the first read. */
  private applied = 0;
  private stream: WatchStream | undefined;
  private backoff = MIN_BACKOFF_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastReported = '';
  /** Whether the listener last heard `ready` (and not `stale` since). */
  private told = false;
  /** When etcd last confirmed this watch is current (an event, a progress notice, a read). */
  confirmedAt = 0;

  constructor(
    private readonly transport: WatchTransport,
    readonly prefix: string,
    private readonly listener: PrefixListener,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.key = Buffer.from(prefix);
    this.end = prefixEnd(prefix);
  }

  /** The watch's current state, for tests and diagnostics. */
  get current(): WatchState {
    return this.state;
  }

  start(): void {
    void this.run();
  }

  private move(next: WatchState): void {
    if (!MOVES[this.state].includes(next)) throw new Error(`watch of ${this.prefix}: ${this.state} → ${next} is not a legal move`);
    this.state = next;
  }

  private async run(): Promise<void> {
    try {
      if (this.resync !== 'none') {
        await this.read(this.resync === 'replace');
        if (this.state === 'closed') return;
      }
      this.move('opening');
      await this.openStream();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Read the prefix and hand it to the listener, unless the watch already went further. */
  private async read(replace: boolean): Promise<void> {
    // The first read is the big one: the receiver may decode its pages while later ones arrive.
    const listener = this.listener;
    const onPage =
      this.applied === 0 && listener.page
        ? (kvs: readonly KeyValue[], offset: number) => guard(() => listener.page?.(kvs, offset))
        : undefined;
    const range = await this.transport.list(this.prefix, onPage);
    if (this.state === 'closed') return;
    this.resync = 'none';
    // A read older than what the watch already delivered would move subscribers backwards.
    if (!replace && range.revision < this.applied) return;
    this.applied = range.revision;
    this.confirmedAt = Date.now();
    guard(() => this.listener.reset(range));
  }

  async refresh(): Promise<void> {
    try {
      await this.read(false);
    } catch (error) {
      throw this.transport.toError(error, 'Re-reading', `${this.prefix}*`);
    }
  }

  private async openStream(): Promise<void> {
    const stream = await this.transport.openStream();
    if (this.state === 'closed') {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res: IWatchResponse) => {
      if (this.stream === stream) this.onResponse(res);
    });
    stream.on('error', (error: Error) => {
      if (this.stream === stream) this.fail(error);
    });
    stream.on('end', () => {
      if (this.stream === stream) this.fail(new Error('etcd closed the watch stream'));
    });
    stream.write({ create_request: { key: this.key, range_end: this.end, start_revision: this.applied + 1, progress_notify: true } });
  }

  private onResponse(res: IWatchResponse): void {
    if (res.created && !res.canceled) {
      this.onCreated(Number(res.header.revision));
      return;
    }
    if (res.canceled || Number(res.compact_revision) > 0) {
      const compacted = Number(res.compact_revision) > 0;
      if (!compacted) {
        const reason = new Error(res.cancel_reason || 'watch canceled');
        // An expired auth token cancels the watch at creation: renew it before trying again.
        this.transport.renewTokenIf(reason);
        this.report(this.transport.toError(reason, 'Watching', `${this.prefix}*`));
      }
      // Compacted past our revision: the history we need is gone, so re-read and diff.
      this.retry(compacted ? 'read' : 'none', false);
      return;
    }
    this.confirmedAt = Date.now();
    if (res.events.length > 0) this.deliver(res.events);
  }

  private onCreated(headerRevision: number): void {
    if (headerRevision < this.applied) {
      // The cluster's revision went backwards: its data was wiped. Start over from a read.
      this.report(
        new DialsError(
          'CLUSTER_RESET',
          `etcd at ${this.transport.description} restarted with revision ${headerRevision}, behind the ${this.applied} we had: re-reading ${this.prefix}`,
          { endpoint: this.transport.description, key: this.prefix },
        ),
      );
      this.retry('replace', false);
      return;
    }
    this.backoff = MIN_BACKOFF_MS;
    this.lastReported = '';
    this.confirmedAt = Date.now();
    this.move('live');
    if (!this.told) guard(() => this.listener.status('ready'));
    this.told = true;
  }

  /** One response can hold several revisions, and never splits one: deliver each whole, in order. */
  private deliver(events: IWatchResponse['events']): void {
    let batch: WatchEvent[] = [];
    let batchRevision = 0;
    const flush = () => {
      if (batch.length > 0 && batchRevision > this.applied) {
        this.applied = batchRevision;
        const delivered = { revision: batchRevision, events: batch };
        guard(() => this.listener.batch(delivered));
      }
      batch = [];
    };
    for (const ev of events) {
      const kv = toKeyValue(ev.kv);
      if (!kv) {
        this.report(
          new DialsError('UNSAFE_KEY', `Key ${escapeKey(ev.kv.key)} is not UTF-8 text: it is left out of ${this.prefix}`, {
            key: this.prefix,
          }),
        );
        continue;
      }
      if (kv.modRevision !== batchRevision) {
        flush();
        batchRevision = kv.modRevision;
      }
      const deleted = ev.type === 'Delete';
      const event: WatchEvent = {
        type: deleted ? 'delete' : 'put',
        key: kv.key,
        value: deleted ? undefined : kv.value,
        modRevision: kv.modRevision,
      };
      batch.push(kv.binary && !deleted ? { ...event, binary: true } : event);
    }
    flush();
  }

  private fail(error: unknown): void {
    if (this.state === 'closed') return;
    this.transport.renewTokenIf(error);
    if (this.told) {
      this.told = false;
      guard(() => this.listener.status('stale'));
    }
    this.report(this.transport.toError(error, 'Watching', `${this.prefix}*`));
    this.retry('none', true);
  }

  /**
   * Drop the stream and try again after a backoff; `resync` says whether to re-read first. A
   * failure backs off; a watch etcd cancelled (compaction, a wiped cluster) comes back at once.
   */
  private retry(resync: Resync, failed: boolean): void {
    if (resync === 'replace' || (resync === 'read' && this.resync === 'none')) this.resync = resync;
    this.dropStream();
    if (this.state === 'closed' || this.state === 'waiting') return;
    const wasLive = this.state === 'live';
    this.move('waiting');
    const delay = wasLive && !failed && this.resync !== 'none' ? 0 : this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.move(this.resync === 'none' ? 'opening' : 'reading');
      if (this.state === 'opening') void this.openStream().catch((error: unknown) => this.fail(error));
      else void this.run();
    }, delay);
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    stream.removeAllListeners('data');
    stream.on('error', () => {}); // a cancelled stream reports CANCELLED; nobody needs to hear it
    stream.cancel();
  }

  private report(error: Error): void {
    // While etcd stays down every retry fails the same way (only a timestamp differs): say it once.
    const kind = error instanceof DialsError ? error.code : error.message;
    if (kind === this.lastReported) return;
    this.lastReported = kind;
    guard(() => this.listener.error(error));
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.move('closed');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.dropStream();
    this.onClose();
  }
}
