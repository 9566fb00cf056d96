import type { GrayOptions } from '@dials/core';
import type { Context, OptionTable } from './command.js';
import { parseDuration, UsageError } from './output.js';

/** What makes a write (`set`, `import --apply`, `sync --apply`) a gray release. */
export const GRAY_OPTIONS = {
  gray: {
    type: 'string',
    arg: 'LABELS',
    help: 'a gray release: only instances with these labels (canary=true,zone=eu-1) apply the values, until dials gray promote or abandon',
  },
  steps: { type: 'string', arg: 'PERCENTS', help: 'with --gray: the share of those instances, step by step, e.g. 10%,50%,100%' },
  'step-every': {
    type: 'string',
    arg: 'DURATION',
    help: 'with --steps: the next step every DURATION (10m), else by hand (dials gray advance)',
  },
} as const satisfies OptionTable;

/** `canary=true,zone=eu-1` → `{ canary: 'true', zone: 'eu-1' }`. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? '' : pair.slice(0, eq).trim();
    if (name === '')
      throw new UsageError(`--gray takes labels as NAME=VALUE,...: ${JSON.stringify(pair)} is not one (e.g. --gray canary=true)`);
    if (Object.hasOwn(labels, name)) throw new UsageError(`--gray names the label ${name} twice`);
    Object.defineProperty(labels, name, { value: pair.slice(eq + 1).trim(), enumerable: true, writable: true, configurable: true });
  }
  return labels;
}

/** `10%,50%,100%` → `[10, 50, 100]`: percentages that grow, each over 0 and at most 100. */
export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((part) => {
    const percent = Number(part.trim().replace(/%$/, ''));
    if (part.trim() === '' || !Number.isFinite(percent) || percent <= 0 || percent > 100)
      throw new UsageError(`--steps takes percentages over 0 and at most 100, e.g. 10%,50%,100%: ${JSON.stringify(part)} is not one`);
    return percent;
  });
  for (let i = 1; i < steps.length; i++)
    if ((steps[i] as number) <= (steps[i - 1] as number)) throw new UsageError(`--steps must grow: ${JSON.stringify(text)}`);
  return steps;
}

/**
 * The gray options of a writing command, checked before anything is read: undefined without
 * `--gray`. `conflicts` names the options a gray release cannot take (`--ttl`, `--delete`) that were given.
 */
export function grayOptionsOf(
  ctx: Context<typeof GRAY_OPTIONS>,
  conflicts: Readonly<Record<string, boolean>> = {},
): GrayOptions | undefined {
  const { gray, steps, 'step-every': every } = ctx.values;
  if (gray === undefined) {
    if (steps !== undefined || every !== undefined) throw new UsageError('--steps and --step-every go with --gray');
    return undefined;
  }
  for (const [option, given] of Object.entries(conflicts))
    if (given) throw new UsageError(`--gray cannot go with ${option}: a gray release only sets values, until it is promoted or abandoned`);
  if (every !== undefined && steps === undefined) throw new UsageError('--step-every needs --steps');
  const stepMs = every === undefined ? undefined : parseDuration(every, '--step-every');
  if (stepMs !== undefined && stepMs < 1) throw new UsageError(`--step-every must be more than 0: ${JSON.stringify(every)}`);
  return {
    labels: parseLabels(gray),
    ...(steps === undefined ? {} : { steps: parseSteps(steps) }),
    ...(stepMs === undefined ? {} : { stepMs }),
  };
}

/** `canary=true,zone=eu-1`, for output. */
export const labelText = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(',') || '(every instance)';

/** `10% → 50% → 100%, every 10m`, for output. */
export function stepsText(steps: readonly number[] | undefined, stepMs: number | undefined): string {
  if (!steps || steps.length === 0) return 'all at once';
  const every = stepMs === undefined ? ', by hand' : `, every ${durationText(stepMs)}`;
  return `${steps.map((s) => `${s}%`).join(' → ')}${every}`;
}

export function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
