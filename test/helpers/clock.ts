import { BehaviorSubject } from 'rxjs';

/**
 * A clock the test moves by hand (`SchedulerClock`): timers fire only when `advance()` passes
 * their time. `pending$` says which times are armed, so a test can wait until a scheduler has
 * seen a change instead of sleeping.
 */
export class TestClock {
  private timers: { at: number; fn: () => void }[] = [];
  readonly pending$ = new BehaviorSubject<readonly number[]>([]);

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    this.changed();
    if (ms <= 0) queueMicrotask(() => this.run(timer));
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
      this.changed();
    };
  }

  /** Move time on by `ms`, firing every timer it passes, in order. */
  advance(ms: number): void {
    this.time += ms;
    for (const timer of [...this.timers].sort((a, b) => a.at - b.at)) if (timer.at <= this.time) this.run(timer);
  }

  /** Move time to `at` (ms since the epoch). */
  advanceTo(at: number): void {
    this.advance(at - this.time);
  }

  private run(timer: { at: number; fn: () => void }): void {
    if (!this.timers.includes(timer)) return;
    this.timers = this.timers.filter((t) => t !== timer);
    this.changed();
    timer.fn();
  }

  private changed(): void {
    this.pending$.next(this.timers.map((t) => t.at));
  }
}
