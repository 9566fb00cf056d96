import { validateFlagDefinition } from '@dials/flags';
import { decode } from '../../args.js';
import type { Context, OptionTable } from '../../command.js';
import { UsageError } from '../../output.js';
import { namespaceFor, RELEASE_OPTIONS, write } from '../../write.js';

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
  const kv = await (await ctx.source()).get(prefix + key);
  if (!kv) throw new UsageError(`no flag ${key} under ${prefix}`);
  const doc = decode(kv.value) as Record<string, unknown>;
  const next = change === 'set' ? { ...doc, defaultVariant: variant } : { ...doc, state: change === 'enable' ? 'ENABLED' : 'DISABLED' };
  try {
    validateFlagDefinition(key, next);
  } catch (error) {
    throw new UsageError(`flag ${key} would be invalid: ${(error as Error).message}`);
  }
  await write(ctx, [{ key: prefix + key, after: JSON.stringify(next) }], namespaceFor(ctx, prefix));
  return 0;
}
