import type { Dials, DialsStatus } from '@dials/core';

/** What the metrics read of a Dials instance (any schema). */
export type DialsLike = Pick<Dials, 'status' | 'revision' | 'stats' | 'refused' | 'prefixes' | 'errors$' | 'changes$' | 'status$'>;

/** One (flag, variant, reason) and how often it was the answer, as `Flags.evaluationCounts()` gives them. */
export interface EvaluationCount {
  readonly flagKey: string;
  readonly variant: string;
  readonly reason: string;
  readonly count: number;
}

/** What the metrics need of a Flags instance (`@dials/flags`' Flags): its Dials and its counters. */
export interface FlagsLike {
  readonly dials: DialsLike;
  evaluationCounts(): Iterable<EvaluationCount>;
}

export const STATUSES: readonly DialsStatus[] = ['connecting', 'ready', 'degraded', 'stale', 'error', 'closed'];

/**
 * The figures of one Dials instance that a scrape cannot read off it directly: errors by code,
 * applied changes, and since when it is stale. Kept by subscriptions (never on the read path),
 * one tracker per instance however many exporters read it.
 */
export class DialsFigures {
  readonly errors = new Map<string, number>();
  changes = 0;
  private staleSince: number | undefined;

  constructor(readonly dials: DialsLike) {
    dials.errors$.subscribe((error) => this.errors.set(error.code, (this.errors.get(error.code) ?? 0) + 1));
    dials.changes$.subscribe((set) => {
      this.changes += set.changes.length;
    });
    dials.status$.subscribe((status) => {
      if (status === 'stale') this.staleSince ??= Date.now();
      else this.staleSince = undefined;
    });
  }

  /** The prefix label: the Dials instance's most specific prefix. */
  get prefix(): string {
    return this.dials.prefixes[this.dials.prefixes.length - 1] ?? '';
  }

  /** Seconds the instance has been stale, 0 when it is not. */
  get staleSeconds(): number {
    return this.staleSince === undefined ? 0 : (Date.now() - this.staleSince) / 1000;
  }
}

const trackers = new WeakMap<DialsLike, DialsFigures>();

/** The tracker of `dials`, made on first use. */
export function figuresOf(dials: DialsLike): DialsFigures {
  let figures = trackers.get(dials);
  if (!figures) {
    figures = new DialsFigures(dials);
    trackers.set(dials, figures);
  }
  return figures;
}

/** A reported instance: its figures and its labels (`prefix`, and `kind`: config or flags). */
export interface Reported {
  readonly figures: DialsFigures;
  readonly labels: { readonly prefix: string; readonly kind: 'config' | 'flags' };
}

/** The Dials instances to report: the given one and the flags' own. */
export function instancesOf(options: { dials?: DialsLike; flags?: FlagsLike }): Reported[] {
  const out: Reported[] = [];
  for (const [dials, kind] of [
    [options.dials, 'config'],
    [options.flags?.dials, 'flags'],
  ] as const) {
    if (!dials) continue;
    const figures = figuresOf(dials);
    out.push({ figures, labels: { prefix: figures.prefix, kind } });
  }
  return out;
}
