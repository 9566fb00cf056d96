import { castGrpcError, type IWatchRequest, type IWatchResponse } from 'etcd3';
import { DialsError } from '../errors.js';
import type { EtcdSource } from '../etcd-source.js';
import { toKeyValue } from '../etcd-source.js';
import type { KeyValue, PrefixListener, PrefixWatch, WatchEvent } from '../types.js';
import { isAuthTokenError, toDialsError } from './etcd-errors.js';
import { prefixEnd } from './keys.js';
import { guard } from './kv-store.js';

/** The part of grpc-js's duplex stream we use (typed here: grpc-js is etcd3's dependency, not ours). */
interface WatchStream {
  write(request: IWatchRequest): boolean;
  cancel(): void;
  on(event: 'data', listener: (res: IWatchResponse) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  removeAllListeners(event: string): this;
}

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
  /** The highest revision whose changes the listener has, or 0 before the first read. */
  private applied = 0;
  private needsReset = true;
  /** The cluster's revision went backwards: the next read replaces everything, whatever its revision. */
  private wiped = false;
  private stream: WatchStream | undefined;
  private closed = false;
  private backoff = MIN_BACKOFF_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private live = false;
  private lastReported = '';
  /** When etcd last confirmed this watch is current (an event, a progress notice, a read). */
  confirmedAt = 0;

  constructor(
    private readonly source: EtcdSource,
    readonly prefix: string,
    private readonly listener: PrefixListener,
    private readonly onClose: () => void,
  ) {
    this.key = Buffer.from(prefix);
    this.end = prefixEnd(prefix);
  }

  start(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.needsReset) await this.reset(this.wiped);
      if (this.closed) return;
      await this.openStream();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Read the prefix and hand it to the listener, unless the watch already went further. */
  private async reset(force: boolean): Promise<void> {
    // The first read is the big one: the receiver may decode its pages while later ones arrive.
    const listener = this.listener;
    const onPage =
      this.applied === 0 && listener.page
        ? (kvs: readonly KeyValue[], offset: number) => guard(() => listener.page?.(kvs, offset))
        : undefined;
    const range = await this.source.list(this.prefix, onPage);
    if (this.closed) return;
    this.needsReset = false;
    this.wiped = false;
    // A read older than what the watch already delivered would move subscribers backwards.
    if (!force && range.revision < this.applied) return;
    this.applied = range.revision;
    this.confirmedAt = Date.now();
    guard(() => this.listener.reset(range));
  }

  async refresh(): Promise<void> {
    try {
      await this.reset(false);
    } catch (error) {
      throw toDialsError(error, this.source.description, 'Re-reading', `${this.prefix}*`);
    }
  }

  private async openStream(): Promise<void> {
    const stream = (await this.source.client.watchClient.watch()) as unknown as WatchStream;
    if (this.closed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res: IWatchResponse) => {
      if (this.stream === stream) this.onResponse(res);
    });
    stream.on('error', (error: Error) => {
      if (this.stream === stream) this.fail(castGrpcError(error));
    });
    stream.on('end', () => {
      if (this.stream === stream) this.fail(new Error('etcd closed the watch stream'));
    });
    stream.write({
      create_request: {
        key: this.key,
        range_end: this.end,
        start_revision: this.applied + 1,
        progress_notify: true,
      },
    });
  }

  private onResponse(res: IWatchResponse): void {
    const headerRevision = Number(res.header.revision);
    if (res.created && !res.canceled) {
      if (headerRevision < this.applied) {
        // The cluster's revision went backwards: its data was wiped. Start over from a read.
        this.report(
          new DialsError(
            'GENERAL',
            `etcd at ${this.source.description} restarted with revision ${headerRevision}, behind the ${this.applied} we had: re-reading ${this.prefix}`,
            { endpoint: this.source.description, key: this.prefix },
          ),
        );
        this.wiped = true;
        this.restart(true);
        return;
      }
      this.backoff = MIN_BACKOFF_MS;
      this.lastReported = '';
      this.confirmedAt = Date.now();
      if (!this.live) {
        this.live = true;
        guard(() => this.listener.status('ready'));
      }
      return;
    }
    if (res.canceled || Number(res.compact_revision) > 0) {
      const compacted = Number(res.compact_revision) > 0;
      if (!compacted) {
        const reason = new Error(res.cancel_reason || 'watch canceled');
        // An expired auth token cancels the watch at creation: renew it before trying again.
        this.renewTokenIf(reason);
        this.report(toDialsError(reason, this.source.description, 'Watching', `${this.prefix}*`));
      }
      // Compacted past our revision: the history we need is gone, so re-read and diff.
      this.restart(compacted);
      return;
    }
    this.confirmedAt = Date.now();
    const events = res.events;
    if (events.length === 0) return; // a progress notification
    // One response can hold several revisions, and never splits one: deliver each whole, in order.
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
      if (kv.modRevision !== batchRevision) {
        flush();
        batchRevision = kv.modRevision;
      }
      batch.push({
        type: ev.type === 'Delete' ? 'delete' : 'put',
        key: kv.key,
        value: ev.type === 'Delete' ? undefined : kv.value,
        modRevision: kv.modRevision,
      });
    }
    flush();
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.renewTokenIf(error);
    const dialsError = toDialsError(error, this.source.description, 'Watching', `${this.prefix}*`);
    if (this.live) {
      this.live = false;
      guard(() => this.listener.status('stale'));
    }
    this.report(dialsError);
    this.restart(this.needsReset);
  }

  private renewTokenIf(error: unknown): void {
    if (isAuthTokenError(error)) {
      // etcd3 caches the token; drop it so the next stream authenticates again.
      (
        this.source.client as unknown as { pool: { authenticator: { invalidateMetadata(): void } } }
      ).pool.authenticator.invalidateMetadata();
    }
  }

  private restart(reset: boolean): void {
    this.needsReset = this.needsReset || reset;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.removeAllListeners('data');
      stream.on('error', () => {}); // a cancelled stream reports CANCELLED; nobody needs to hear it
      stream.cancel();
    }
    if (this.closed || this.retryTimer) return;
    const delay = reset && this.live ? 0 : this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.run();
    }, delay);
  }

  private report(error: Error): void {
    // While etcd stays down every retry fails the same way: say it once.
    // While etcd stays down every retry fails the same way (only a timestamp differs): say it once.
    const kind = error instanceof DialsError ? error.code : error.message;
    if (kind === this.lastReported) return;
    this.lastReported = kind;
    guard(() => this.listener.error(error));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.removeAllListeners('data');
      stream.on('error', () => {});
      stream.cancel();
    }
    this.onClose();
  }
}
