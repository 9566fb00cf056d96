import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const QUICK = process.env.DIALS_BENCH_QUICK === '1';
/** Repetitions of every measurement: min / median / max are reported. */
export const REPS = QUICK ? 1 : 5;

export interface Figure {
  readonly group: string;
  readonly name: string;
  readonly unit: string;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly note?: string;
}

const figures: Figure[] = [];

export function summarize(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

export function record(group: string, name: string, unit: string, values: number[], note?: string): Figure {
  const figure = { group, name, unit, ...summarize(values), ...(note ? { note } : {}) };
  figures.push(figure);
  return figure;
}

/**
 * A timing loop of its own for one contender. A loop shared by every contender sees many callees,
 * stops inlining them and favours whichever ran first (plain JavaScript measured anywhere from 116
 * to 250 M/s that way); a fresh function has fresh type feedback, so V8 optimises each contender's
 * loop for that contender alone.
 */
function freshLoop(): (fn: (i: number) => unknown, ops: number) => number {
  return new Function('fn', 'ops', 'let sink = 0; for (let i = 0; i < ops; i++) if (fn(i)) sink++; return sink;') as (
    fn: (i: number) => unknown,
    ops: number,
  ) => number;
}

/** Millions of synchronous operations per second, `reps` times, after a warm-up. */
export function opsPerSecond(fn: (i: number) => unknown, ops: number): number[] {
  const loop = freshLoop();
  let sink = loop(fn, Math.min(ops, 200_000));
  const results: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const start = process.hrtime.bigint();
    sink += loop(fn, ops);
    const ns = Number(process.hrtime.bigint() - start);
    results.push(ops / (ns / 1e9) / 1e6);
  }
  if (sink === -1) console.log(sink); // keeps the loop from being optimised away
  return results;
}

/**
 * `opsPerSecond` for several contenders in turns: each repetition times every contender once, so
 * a burst of load from elsewhere on the machine falls on all of them alike. Each has its own loop.
 */
export function interleavedOpsPerSecond(contenders: readonly ((i: number) => unknown)[], ops: number, reps = REPS): number[][] {
  const loops = contenders.map(() => freshLoop());
  let sink = 0;
  contenders.forEach((fn, c) => {
    sink += (loops[c] as ReturnType<typeof freshLoop>)(fn, Math.min(ops, 200_000));
  });
  const results = contenders.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    contenders.forEach((fn, c) => {
      const start = process.hrtime.bigint();
      sink += (loops[c] as ReturnType<typeof freshLoop>)(fn, ops);
      const ns = Number(process.hrtime.bigint() - start);
      results[c]?.push(ops / (ns / 1e9) / 1e6);
    });
  }
  if (sink === -1) console.log(sink); // keeps the loops from being optimised away
  return results;
}

/** The same for async operations, awaited one after another. */
export async function asyncOpsPerSecond(fn: (i: number) => Promise<unknown>, ops: number): Promise<number[]> {
  for (let i = 0; i < Math.min(ops, 20_000); i++) await fn(i);
  const results: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) await fn(i);
    const ns = Number(process.hrtime.bigint() - start);
    results.push(ops / (ns / 1e9) / 1e6);
  }
  return results;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Each bench file writes its figures here; bench.mjs merges them. */
export function save(file: string): void {
  const dir = fileURLToPath(new URL(`./results/${QUICK ? 'quick' : 'parts'}/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${file}.json`, JSON.stringify(figures, null, 2));
}
