import { type GrayOptions, type KeyChange, type KeyValue, type RangeResult, REDACTED } from '@dials/core';
import { sameBytes, shown } from './args.js';
import type { Context, OptionTable } from './command.js';
import { GRAY_OPTIONS } from './gray-options.js';
import { color, DataError } from './output.js';
import { namespaceFor, RELEASE_OPTIONS, write } from './write.js';

/** import and sync: a dry run unless --apply. */
export const PLAN_OPTIONS = {
  apply: { type: 'boolean', help: 'write the plan (without it, only print it)' },
  delete: { type: 'boolean', help: 'also delete keys under the target prefix that the source does not have' },
  ...GRAY_OPTIONS,
  ...RELEASE_OPTIONS,
} as const satisfies OptionTable;

export interface Plan {
  /** New keys and changed ones: path, value, and the value it replaces (undefined for a new key). */
  readonly put: [string, string, string | undefined][];
  readonly remove: [string, string][];
  readonly same: number;
  /** Paths whose value (wanted or current) is bytes that are not UTF-8. */
  readonly binary: ReadonlySet<string>;
  readonly binaryBefore: ReadonlySet<string>;
}

/** What makes `current` (full keys under `prefix`) equal `wanted` (paths; those in `binary` are bytes). */
export function plan(
  wanted: ReadonlyMap<string, string>,
  current: readonly KeyValue[],
  prefix: string,
  remove: boolean,
  binary: ReadonlySet<string> = new Set(),
): Plan {
  const existing = new Map(current.map((kv) => [kv.key.slice(prefix.length), kv]));
  const put: [string, string, string | undefined][] = [];
  let same = 0;
  for (const [path, value] of wanted) {
    const before = existing.get(path);
    if (before && sameBytes(before, { value, binary: binary.has(path) })) same++;
    else put.push([path, value, before?.value]);
  }
  const removeList: [string, string][] = remove
    ? [...existing].filter(([path]) => !wanted.has(path)).map(([path, kv]) => [path, kv.value])
    : [];
  const binaryBefore = new Set([...existing].filter(([, kv]) => kv.binary).map(([path]) => path));
  return { put, remove: removeList, same, binary, binaryBefore };
}

function printPlan(ctx: Context, p: Plan, prefix: string, apply: boolean) {
  const show = (path: string, value: string | undefined, before = false) =>
    shown(ctx, prefix + path, value, (before ? p.binaryBefore : p.binary).has(path));
  const nothing = p.put.length === 0 && p.remove.length === 0;
  ctx.out.result(
    {
      prefix,
      put: p.put.map(([path, value, before]) => ({
        key: prefix + path,
        value: show(path, value),
        ...(before === undefined ? {} : { before: show(path, before, true) }),
      })),
      delete: p.remove.map(([path]) => prefix + path),
      unchanged: p.same,
      applied: false,
    },
    () =>
      [
        ...p.put.map(([path, value, before]) =>
          before === undefined
            ? `${color.green('+')} ${prefix}${path} = ${show(path, value)}`
            : `${color.yellow('~')} ${prefix}${path}: ${show(path, before, true)} ${color.dim('→')} ${show(path, value)}`,
        ),
        ...p.remove.map(([path, before]) => `${color.red('-')} ${prefix}${path} = ${show(path, before, true)}`),
        color.dim(
          `${p.put.length} to write, ${p.remove.length} to delete, ${p.same} unchanged${
            nothing ? (apply ? ': nothing to change (no release recorded)' : '') : apply ? '' : ' (dry run: add --apply to write)'
          }`,
        ),
      ].join('\n'),
  );
}

/**
 * Make the keys under `prefix` equal `wanted`: print the plan (a dry run) unless --apply, then write
 * it compare-and-set against the revision it was planned at. Shared by import and sync. A value that
 * is the redaction placeholder came from a redacted export: writing it would lose the secret.
 */
export async function applyPlan(
  ctx: Context<typeof PLAN_OPTIONS>,
  wanted: ReadonlyMap<string, string>,
  current: RangeResult,
  prefix: string,
  binary: ReadonlySet<string> = new Set(),
  gray?: GrayOptions,
): Promise<number> {
  const placeholders = [...wanted]
    .filter(([, value]) => value === REDACTED || value === JSON.stringify(REDACTED))
    .map(([path]) => prefix + path);
  if (placeholders.length > 0)
    throw new DataError(
      `refusing to write the redaction placeholder ${JSON.stringify(REDACTED)} as the value of ${placeholders.join(', ')}: export with --show-secrets for a copy to import`,
    );
  const p = plan(wanted, current.kvs, prefix, ctx.values.delete === true, binary);
  const apply = ctx.values.apply === true;
  if (!apply || (p.put.length === 0 && p.remove.length === 0)) {
    printPlan(ctx, p, prefix, apply);
    return 0;
  }
  const changes: KeyChange[] = [
    ...p.put.map(([path, value]) => ({ key: prefix + path, after: value, ...(binary.has(path) ? { binary: true } : {}) })),
    ...p.remove.map(([path]) => ({ key: prefix + path, after: undefined })),
  ];
  // A gray release leaves the keys alone: there is no revision of theirs to guard.
  await write(ctx, changes, namespaceFor(ctx, prefix), gray ? { gray } : { expectRevision: current.revision, guardPrefix: prefix });
  return 0;
}
