import { memorySource, REDACTED } from '@dials/core';
import { createFlags } from '@dials/flags';
import { shown } from '../../args.js';
import type { Context, OptionTable } from '../../command.js';
import { table, UsageError } from '../../output.js';

export const EVAL_OPTIONS = {
  context: { type: 'string', arg: 'JSON', help: 'the evaluation context for eval, e.g. {"targetingKey":"u1"}' },
} as const satisfies OptionTable;

/** `dials flags eval KEY`: exit 1 when the evaluation has an error code. */
export async function evaluateFlag(ctx: Context<typeof EVAL_OPTIONS>, prefix: string, key: string): Promise<number> {
  let context: Record<string, unknown> = {};
  const raw = ctx.values.context;
  if (raw) {
    try {
      context = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--context is not JSON: ${JSON.stringify(raw)}`);
    }
  }
  // Evaluate exactly as an application would: the same compiled flags over a copy of the prefix.
  const { kvs } = await (await ctx.source()).list(prefix);
  const flags = createFlags({ source: memorySource({ initial: Object.fromEntries(kvs.map((kv) => [kv.key, kv.value])) }), prefix });
  await flags.ready();
  const details = flags.evaluate(key, context);
  await flags.close();
  // A disabled or missing flag has no value: the reason (DISABLED, ERROR with FLAG_NOT_FOUND) says why.
  const secret = details.value !== undefined && shown(ctx, prefix + key, '') === REDACTED;
  const value = secret ? REDACTED : details.value;
  ctx.out.result({ ...details, value }, () =>
    table(
      [
        [
          key,
          value === undefined ? '' : secret ? REDACTED : JSON.stringify(value),
          details.variant ?? '',
          details.reason,
          details.errorCode ?? '',
        ],
      ],
      ['FLAG', 'VALUE', 'VARIANT', 'REASON', 'ERROR'],
    ),
  );
  return details.errorCode ? 1 : 0;
}
