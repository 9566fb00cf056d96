import type { Context, OptionTable } from '../../command.js';
import { DataError, UsageError } from '../../output.js';
import { RELEASE_OPTIONS } from '../../write.js';
import { readFlag, saveFlag } from './stored.js';

export const UPDATE_OPTIONS = {
  variant: { type: 'string', arg: 'VARIANT', help: 'the new default variant, for set' },
  ...RELEASE_OPTIONS,
} as const satisfies OptionTable;

/** `dials flags enable|disable|set KEY`: change the stored flag, checked by the same compiler apps use, as a release. */
export async function updateFlag(
  ctx: Context<typeof UPDATE_OPTIONS>,
  prefix: string,
  change: 'enable' | 'disable' | 'set',
  key: string,
): Promise<number> {
  const variant = ctx.values.variant;
  if (change === 'set' && !variant) throw new UsageError('flags set needs --variant');
  const doc = await readFlag(ctx, prefix, key);
  const next = change === 'set' ? { ...doc, defaultVariant: variant } : { ...doc, state: change === 'enable' ? 'ENABLED' : 'DISABLED' };
  await saveFlag(ctx, prefix, key, next);
  return 0;
}

/** Every `{"fractional": [...]}` rule in a targeting tree. */
function fractionalRules(node: unknown, found: unknown[][] = []): unknown[][] {
  if (Array.isArray(node)) for (const item of node) fractionalRules(item, found);
  else if (typeof node === 'object' && node !== null)
    for (const [op, args] of Object.entries(node)) {
      if (op === 'fractional' && Array.isArray(args)) found.push(args);
      else fractionalRules(args, found);
    }
  return found;
}

/** `on=20,off=80` → [['on', 20], ['off', 80]], whole non-negative weights, each variant once. */
export function parseWeights(text: string): [string, number][] {
  const weights = text.split(',').map((part) => {
    const match = /^([^=]+)=(\d+)$/.exec(part.trim());
    if (!match) throw new UsageError(`not VARIANT=WEIGHT: ${JSON.stringify(part)} (e.g. on=20,off=80)`);
    return [match[1] as string, Number(match[2])] as [string, number];
  });
  const names = weights.map(([name]) => name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new UsageError(`variant ${twice} is given twice`);
  if (weights.every(([, w]) => w === 0)) throw new UsageError('at least one weight must be more than 0');
  return weights;
}

/** `dials flags rollout KEY on=20,off=80`: rewrite the weights of the flag's `fractional` rule. */
export async function rolloutFlag(
  ctx: Context<typeof RELEASE_OPTIONS>,
  prefix: string,
  key: string,
  spec: string | undefined,
): Promise<number> {
  if (!spec) throw new UsageError('flags rollout needs the weights, e.g. on=20,off=80');
  const weights = parseWeights(spec);
  const doc = await readFlag(ctx, prefix, key);
  const unknown = weights.map(([name]) => name).filter((name) => !Object.hasOwn(doc.variants ?? {}, name));
  if (unknown.length > 0)
    throw new DataError(`flag ${key} has no variant ${unknown.join(', ')} (its variants: ${Object.keys(doc.variants ?? {}).join(', ')})`);
  const next = structuredClone(doc);
  const rules = fractionalRules(next.targeting);
  if (rules.length !== 1)
    throw new DataError(
      rules.length === 0
        ? `flag ${key} has no fractional rule to reweight (create one with: dials flags create KEY --template rollout)`
        : `flag ${key} has ${rules.length} fractional rules; edit it and import it instead`,
    );
  const rule = rules[0] as unknown[];
  // A first argument that is not a bucket is the expression users are bucketed by: kept.
  const by = rule.length > 0 && !Array.isArray(rule[0]) ? [rule[0]] : [];
  rule.splice(0, rule.length, ...by, ...weights);
  await saveFlag(ctx, prefix, key, next);
  return 0;
}
