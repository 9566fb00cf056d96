import type { KeyChange, KeyValue, RangeResult } from '@dials/core';
import { shown } from './args.js';
import type { Context, OptionTable } from './command.js';
import { color } from './output.js';
import { namespaceFor, RELEASE_OPTIONS, write } from './write.js';

/** import and sync: a dry run unless --apply. */
export const PLAN_OPTIONS = {
  apply: { type: 'boolean', help: 'write the plan (without it, only print it)' },
  delete: { type: 'boolean', help: 'also delete keys under the target prefix that the source does not have' },
  ...RELEASE_OPTIONS,
} as const satisfies OptionTable;

export interface Plan {
  readonly put: [string, string][];
  readonly remove: string[];
  readonly same: number;
}

/** What makes `current` (full keys under `prefix`) equal `wanted` (paths). */
export function plan(wanted: ReadonlyMap<string, string>, current: readonly KeyValue[], prefix: string, remove: boolean): Plan {
  const existing = new Map(current.map((kv) => [kv.key.slice(prefix.length), kv.value]));
  const put: [string, string][] = [];
  let same = 0;
  for (const [path, value] of wanted) {
    if (existing.get(path) === value) same++;
    else put.push([path, value]);
  }
  const removeList = remove ? [...existing.keys()].filter((path) => !wanted.has(path)) : [];
  return { put, remove: removeList, same };
}

function printPlan(ctx: Context, p: Plan, prefix: string, apply: boolean) {
  ctx.out.result(
    {
      prefix,
      put: p.put.map(([path, value]) => ({ key: prefix + path, value: shown(ctx, prefix + path, value) })),
      delete: p.remove.map((path) => prefix + path),
      unchanged: p.same,
      applied: apply,
    },
    () =>
      [
        ...p.put.map(([path, value]) => `${color.green('+')} ${prefix}${path} = ${shown(ctx, prefix + path, value)}`),
        ...p.remove.map((path) => `${color.red('-')} ${prefix}${path}`),
        color.dim(
          `${p.put.length} to write, ${p.remove.length} to delete, ${p.same} unchanged${apply ? '' : ' (dry run: add --apply to write)'}`,
        ),
      ].join('\n'),
  );
}

/**
 * Make the keys under `prefix` equal `wanted`: print the plan (a dry run) unless --apply, then write
 * it compare-and-set against the revision it was planned at. Shared by import and sync.
 */
export async function applyPlan(
  ctx: Context<typeof PLAN_OPTIONS>,
  wanted: ReadonlyMap<string, string>,
  current: RangeResult,
  prefix: string,
): Promise<number> {
  const p = plan(wanted, current.kvs, prefix, ctx.values.delete === true);
  if (ctx.values.apply !== true || (p.put.length === 0 && p.remove.length === 0)) {
    printPlan(ctx, p, prefix, false);
    return 0;
  }
  const changes: KeyChange[] = [
    ...p.put.map(([path, value]) => ({ key: prefix + path, after: value })),
    ...p.remove.map((path) => ({ key: prefix + path, after: undefined })),
  ];
  await write(ctx, changes, namespaceFor(ctx, prefix), { expectRevision: current.revision, guardPrefix: prefix });
  return 0;
}
