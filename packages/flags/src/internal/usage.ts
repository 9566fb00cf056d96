import type { FlagUsage } from '@dials/core';

/** How often one outcome (a variant with a reason) was a flag's answer. */
export class Outcome {
  count = 0;
  constructor(
    readonly variant: string,
    readonly reason: string,
  ) {}
}

/** One flag's counters. They outlive recompiles: a changed definition does not restart the counts. */
export class FlagCounter {
  private readonly outcomes = new Map<string, Outcome>();
  private lastTotal = 0;
  private lastEvaluated: string | undefined;

  /** The counter of `variant` (empty: no variant) with `reason`, made on first use. */
  outcome(variant: string, reason: string): Outcome {
    const id = `${variant}\u0000${reason}`;
    let outcome = this.outcomes.get(id);
    if (!outcome) {
      outcome = new Outcome(variant, reason);
      this.outcomes.set(id, outcome);
    }
    return outcome;
  }

  *counts(): Iterable<Outcome> {
    for (const outcome of this.outcomes.values()) if (outcome.count > 0) yield outcome;
  }

  /** Totals by variant and reason; `lastEvaluated` moves when the total grew since the last call. */
  usage(now: string): FlagUsage {
    const variants: Record<string, number> = {};
    const reasons: Record<string, number> = {};
    let total = 0;
    for (const o of this.counts()) {
      total += o.count;
      if (o.variant !== '') variants[o.variant] = (variants[o.variant] ?? 0) + o.count;
      reasons[o.reason] = (reasons[o.reason] ?? 0) + o.count;
    }
    if (total > this.lastTotal) this.lastEvaluated = now;
    this.lastTotal = total;
    return { evaluations: total, variants, reasons, ...(this.lastEvaluated ? { lastEvaluated: this.lastEvaluated } : {}) };
  }
}

/** Counters nobody reads: what a flag counts into when counting is off (one shared, never reported). */
export const UNCOUNTED = new FlagCounter();
