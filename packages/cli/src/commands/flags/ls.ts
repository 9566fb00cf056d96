import { decode } from '../../args.js';
import type { Context } from '../../command.js';
import { color, table } from '../../output.js';

/** `dials flags ls`: every flag under the prefix with its state, default variant, variants and whether it targets. */
export async function listFlags(ctx: Context, prefix: string): Promise<number> {
  const { kvs } = await (await ctx.source()).list(prefix);
  const flags = kvs
    .filter((kv) => !kv.key.endsWith('$evaluators'))
    .map((kv) => {
      const doc = decode(kv.value) as { state?: string; defaultVariant?: string; variants?: object; targeting?: object };
      return {
        key: kv.key.slice(prefix.length),
        state: doc.state,
        defaultVariant: doc.defaultVariant,
        variants: Object.keys(doc.variants ?? {}),
        targeting: doc.targeting !== undefined,
      };
    });
  ctx.out.result({ flags }, () =>
    table(
      flags.map((f) => [
        f.key,
        f.state === 'ENABLED' ? color.green('ENABLED') : color.dim(String(f.state)),
        String(f.defaultVariant ?? ''),
        f.variants.join(','),
        f.targeting ? 'yes' : '',
      ]),
      ['FLAG', 'STATE', 'DEFAULT', 'VARIANTS', 'TARGETING'],
    ),
  );
  return 0;
}
