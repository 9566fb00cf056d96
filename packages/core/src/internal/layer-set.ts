import { asDialsError, DialsError } from '../errors.js';
import type { DialsStatus, PrefixWatch, RangeResult, Source } from '../types.js';
import type { ConfigState } from './config-state.js';
import { type HoldMode, ReleaseHold } from './release-hold.js';
import { TtlRefresh } from './ttl-refresh.js';

/**
 * The lifecycle of one layer: `loading` until its first read, `loaded` until its watch is live,
 * then `live`; `stale` while the watch is down, `unconfirmed` while a TTL re-read failed; `closed`.
 */
export type LayerState = 'loading' | 'loaded' | 'live' | 'stale' | 'unconfirmed' | 'closed';

const MOVES: Readonly<Record<LayerState, readonly LayerState[]>> = {
  loading: ['loaded', 'live', 'closed'],
  loaded: ['live', 'stale', 'closed'],
  live: ['stale', 'unconfirmed', 'closed'],
  stale: ['live', 'closed'],
  unconfirmed: ['live', 'stale', 'closed'],
  closed: [],
};

/** One layer's watch and where it stands. */
export class LayerWatch {
  state: LayerState = 'loading';
  watch: PrefixWatch | undefined;
  /** A TTL re-read is running. */
  refreshing = false;
  /** Keys left out for not being UTF-8, already reported. */
  readonly invalidKeys = new Set<string>();

  constructor(
    readonly index: number,
    readonly prefix: string,
  ) {}

  /** Whether the first read is in. */
  get loaded(): boolean {
    return this.state !== 'loading';
  }

  /** Move to `next` if that is a legal move from here (true), else stay (false). */
  move(next: LayerState): boolean {
    if (next === this.state) return true;
    if (!MOVES[this.state].includes(next)) return false;
    this.state = next;
    return true;
  }
}

/**
 * Dials' status from its layers': `ready` when every layer is live; `stale` when one was live and
 * is no longer (or values came from the snapshot file); `connecting` before that.
 */
export function statusOf(layers: readonly LayerWatch[], restoredFromFile: boolean): DialsStatus {
  if (layers.every((l) => l.state === 'live')) return 'ready';
  if (layers.some((l) => l.state === 'stale' || l.state === 'unconfirmed') || restoredFromFile) return 'stale';
  return 'connecting';
}

/**
 * The watches of Dials' layers, one per prefix, feeding the ConfigState: it opens them, follows
 * each layer's state, re-reads what the TTL says, and derives Dials' status.
 */
export class LayerSet {
  readonly layers: readonly LayerWatch[];
  private readonly ttl: TtlRefresh;
  private restoredFromFile = false;
  /** Holds a release of several transactions until it is whole (sources that can mark one). */
  private readonly hold: ReleaseHold | undefined;
  /** While a held release is re-read: each layer's read, applied together. */
  private rereading: Map<number, RangeResult> | undefined;

  constructor(
    private readonly source: Source,
    prefixes: readonly string[],
    private readonly state: ConfigState,
    ttlMs: number,
    private readonly hooks: { readonly report: (error: DialsError) => void; readonly status: (status: DialsStatus) => void },
    hold: HoldMode | false = 'ordered',
  ) {
    this.layers = prefixes.map((prefix, index) => new LayerWatch(index, prefix));
    this.ttl = new TtlRefresh(this.layers, ttlMs, hooks.report, () => this.updateStatus());
    this.hold =
      source.leases && source.transactions && hold
        ? new ReleaseHold(
            source,
            prefixes,
            {
              applyBatch: (index, batch) => this.state.applyBatch(index, batch),
              reread: () => this.reread(),
              report: hooks.report,
            },
            hold,
          )
        : undefined;
  }

  /** Re-read every layer and apply the reads as one change set; the read revision of each. */
  private async reread(): Promise<number[]> {
    const reads = new Map<number, RangeResult>();
    this.rereading = reads;
    try {
      await Promise.all(this.layers.map((layer) => layer.watch?.refresh()));
    } finally {
      this.rereading = undefined;
    }
    this.state.applyResets([...reads].map(([index, range]) => ({ index, range })));
    return this.layers.map((layer) => reads.get(layer.index)?.revision ?? 0);
  }

  /** Times a live watch broke and had to be restarted. */
  restarts = 0;

  /** TTL re-reads so far. */
  get rereads(): number {
    return this.ttl.count;
  }

  get watchCount(): number {
    return this.layers.filter((l) => l.watch).length;
  }

  /** The loaded layer whose prefix `key` is under (the most specific), if any. */
  layerOf(key: string): LayerWatch | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as LayerWatch;
      if (layer.loaded && key.startsWith(layer.prefix)) return layer;
    }
    return undefined;
  }

  /**
   * Watch every layer. Resolves once each has its data and a live watch; rejects with the first
   * error before that, unless the values came from the snapshot file (the watches retry anyway).
   */
  open(restoredFromFile: boolean): Promise<void> {
    this.restoredFromFile = restoredFromFile;
    this.ttl.start();
    this.hold?.start();
    return Promise.all(this.layers.map((layer) => this.watch(layer))).then(() => undefined);
  }

  private watch(layer: LayerWatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const changed = () => {
        if (layer.state === 'live') resolve();
        this.updateStatus();
      };
      layer.watch = this.source.watch(layer.prefix, {
        reset: (range) => {
          for (const key of range.invalidKeys ?? []) {
            if (layer.invalidKeys.has(key)) continue;
            layer.invalidKeys.add(key);
            this.hooks.report(
              new DialsError(
                'UNSAFE_KEY',
                `Key ${key} is not UTF-8 text: Dials cannot tell it from other keys, so it is left out of ${layer.prefix}`,
                {
                  key,
                },
              ),
            );
          }
          if (this.rereading && layer.loaded) this.rereading.set(layer.index, range);
          // A TTL re-read while a release is held would show half of it: the re-read at its end applies it.
          else if (!(this.hold?.holding && layer.loaded)) this.state.applyReset(layer.index, range);
          layer.move('loaded');
          changed();
        },
        page: (kvs, offset) => this.state.decodeEarly(layer.index, kvs, offset),
        batch: (batch) => (this.hold ? this.hold.offer(layer.index, batch) : this.state.applyBatch(layer.index, batch)),
        status: (status) => {
          if (status === 'stale' && layer.state === 'live') this.restarts++;
          layer.move(status === 'ready' ? 'live' : 'stale');
          changed();
        },
        error: (error) => {
          const dialsError = asDialsError(error, 'GENERAL');
          // Before the first load, the caller of ready() hears about it; the watch keeps retrying.
          if (!layer.loaded && !this.restoredFromFile) reject(dialsError);
          this.hooks.report(dialsError);
        },
      });
    });
  }

  private updateStatus(): void {
    this.hooks.status(statusOf(this.layers, this.restoredFromFile));
  }

  async close(): Promise<void> {
    this.ttl.stop();
    await this.hold?.close();
    await Promise.all(this.layers.map((l) => l.watch?.close()));
    for (const layer of this.layers) {
      layer.watch = undefined;
      layer.move('closed');
    }
  }
}
