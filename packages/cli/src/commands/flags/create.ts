import type { Context, OptionTable } from '../../command.js';
import { DataError, UsageError } from '../../output.js';
import { RELEASE_OPTIONS } from '../../write.js';
import { type FlagDoc, saveFlag } from './stored.js';

export const TEMPLATES = ['boolean', 'multi-variant', 'rollout'] as const;

export const CREATE_OPTIONS = {
  template: { type: 'string', arg: 'TEMPLATE', help: 'for create: boolean (the default), multi-variant or rollout' },
  variants: { type: 'string', arg: 'A,B,...', help: 'for create --template multi-variant: the variants, the first the default' },
  percent: { type: 'string', arg: 'N', help: 'for create --template rollout: the share of users that get on (default 10)' },
  ...RELEASE_OPTIONS,
} as const satisfies OptionTable;

/** The flag a template makes: created DISABLED, so nothing changes for users until `flags enable`. */
export function templateFlag(template: string, variants: string | undefined, percent: string | undefined): FlagDoc {
  if (template === 'boolean') return { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
  if (template === 'multi-variant') {
    const names = (variants ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    if (names.length < 2) throw new UsageError('--template multi-variant needs --variants with two or more names, e.g. light,dark');
    return { state: 'DISABLED', variants: Object.fromEntries(names.map((n) => [n, n])), defaultVariant: names[0] };
  }
  if (template === 'rollout') {
    const share = Number(percent ?? 10);
    if (!Number.isInteger(share) || share < 0 || share > 100)
      throw new UsageError(`--percent is not a whole number from 0 to 100: ${JSON.stringify(percent)}`);
    return {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      // Bucketed by targetingKey (flagd's default): a user keeps their bucket as the share grows.
      targeting: {
        fractional: [
          ['on', share],
          ['off', 100 - share],
        ],
      },
    };
  }
  throw new UsageError(`unknown template ${JSON.stringify(template)}: ${TEMPLATES.join(', ')}`);
}

/** `dials flags create KEY --template T`: a new flag from a template; refused when KEY exists. */
export async function createFlag(ctx: Context<typeof CREATE_OPTIONS>, prefix: string, key: string): Promise<number> {
  const doc = templateFlag(ctx.values.template ?? 'boolean', ctx.values.variants, ctx.values.percent);
  if (await (await ctx.source()).get(prefix + key)) throw new DataError(`flag ${key} already exists under ${prefix}`);
  await saveFlag(ctx, prefix, key, doc);
  return 0;
}
