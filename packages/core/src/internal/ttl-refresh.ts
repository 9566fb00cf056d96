import { asDialsError, type DialsError } from '../errors.js';
import type { PrefixWatch } from '../types.js';

/** What the re-reads need of a layer (a LayerWatch). */
export interface TtlLayer {
  readonly watch: PrefixWatch | undefined;
  readonly state: string;
  refreshing: boolean;
  move(next: 'live' | 'unconfirmed'): boolean;
}

/**
 * Bounds staleness: a layer whose data the source has not confirmed (an event, a progress notice,
 * a read) for `ttlMs` is re-read. A failed re-read marks it `unconfirmed` (reported once) until
 * one succeeds.
 */
export class TtlRefresh {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Re-reads started so far. */
  count = 0;

  constructor(
    private readonly layers: readonly TtlLayer[],
    private readonly ttlMs: number,
    private readonly report: (error: DialsError) => void,
    private readonly changed: () => void,
  ) {}

  /** How often the TTL is checked: a re-read starts one period before the TTL runs out. */
  get periodMs(): number {
    return Math.max(10, Math.min(this.ttlMs / 4, 30_000));
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.periodMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = Date.now();
    for (const layer of this.layers) {
      const watch = layer.watch;
      if (!watch || layer.refreshing || now - watch.confirmedAt < this.ttlMs - this.periodMs) continue;
      layer.refreshing = true;
      this.count++;
      watch
        .refresh()
        .then(
          () => {
            if (layer.state === 'unconfirmed') layer.move('live');
          },
          (error: unknown) => {
            if (layer.state !== 'unconfirmed') this.report(asDialsError(error, 'UNAVAILABLE'));
            layer.move('unconfirmed');
          },
        )
        .finally(() => {
          layer.refreshing = false;
          this.changed();
        });
    }
  }
}
