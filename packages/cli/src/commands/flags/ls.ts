import { decode } from '../../args.js';
import type { Context } from '../../command.js';
import { color, parseDuration, stderrLine, table } from '../../output.js';
import { ago, fleetUsage } from './usage.js';

interface Listed {
  readonly key: string;
  readonly state: string;
  readonly defaultVariant: string;
  readonly variants: string[];
  readonly targeting: boolean;
}

/** The flag documents under `prefix`; one that is not a flag (`null`, not JSON) is skipped and said on stderr. */
async function documents(ctx: Context, prefix: string): Promise<Listed[]> {
  const { kvs } = await (await ctx.source()).list(prefix);
  const flags: Listed[] = [];
  for (const kv of kvs) {
    if (kv.key.endsWith('$evaluators') || kv.key.slice(prefix.length).includes('/')) continue;
    const doc = decode(kv.value);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      stderrLine(`${color.yellow('skipped:')} ${kv.key} is not a flag (a JSON object)`);
      continue;
    }
    const d = doc as { state?: unknown; defaultVariant?: unknown; variants?: unknown; targeting?: unknown };
    const variants = typeof d.variants === 'object' && d.variants !== null ? Object.keys(d.variants) : [];
    flags.push({
      key: kv.key.slice(prefix.length),
      state: String(d.state ?? ''),
      defaultVariant: String(d.defaultVariant ?? ''),
      variants,
      targeting: d.targeting !== undefined && d.targeting !== null,
    });
  }
  return flags;
}

/** `dials flags ls`: every flag with its state, default, variants, targeting, and its use across the fleet. */
export async function listFlags(ctx: Context, prefix: string): Promise<number> {
  const [flags, usage] = await Promise.all([documents(ctx, prefix), fleetUsage(await ctx.source(), prefix)]);
  const rows = flags.map((f) => ({
    ...f,
    evaluations: usage.get(f.key)?.evaluations ?? 0,
    lastEvaluated: usage.get(f.key)?.lastEvaluated,
  }));
  ctx.out.result({ flags: rows }, () =>
    table(
      rows.map((f) => [
        f.key,
        f.state === 'ENABLED' ? color.green('ENABLED') : color.dim(f.state),
        f.defaultVariant,
        f.variants.join(','),
        f.targeting ? 'yes' : '',
        String(f.evaluations),
        ago(f.lastEvaluated),
      ]),
      ['FLAG', 'STATE', 'DEFAULT', 'VARIANTS', 'TARGETING', 'EVALUATIONS', 'LAST EVALUATED'],
    ),
  );
  return 0;
}

/**
 * `dials flags stale --unused-for 30d`: flags no instance evaluated in that time (judged by use, not
 * by age), and flags that always answered the same variant.
 */
export async function staleFlags(ctx: Context & { values: { 'unused-for'?: string } }, prefix: string): Promise<number> {
  const window = parseDuration(ctx.values['unused-for'] ?? '30d');
  const [flags, usage] = await Promise.all([documents(ctx, prefix), fleetUsage(await ctx.source(), prefix)]);
  const now = Date.now();
  const unused = flags
    .filter((f) => {
      const last = usage.get(f.key)?.lastEvaluated;
      return last === undefined || now - Date.parse(last) > window;
    })
    .map((f) => ({ key: f.key, lastEvaluated: usage.get(f.key)?.lastEvaluated ?? null }));
  const constant = flags
    .map((f) => ({ key: f.key, variants: Object.entries(usage.get(f.key)?.variants ?? {}).filter(([, n]) => n > 0) }))
    .filter((f) => f.variants.length === 1)
    .map((f) => ({ key: f.key, variant: (f.variants[0] as [string, number])[0], evaluations: (f.variants[0] as [string, number])[1] }));
  ctx.out.result({ unusedFor: ctx.values['unused-for'] ?? '30d', unused, constant }, () =>
    [
      unused.length === 0
        ? color.dim(`every flag was evaluated in the last ${ctx.values['unused-for'] ?? '30d'}`)
        : table(
            unused.map((f) => [f.key, ago(f.lastEvaluated ?? undefined)]),
            ['UNUSED FLAG', 'LAST EVALUATED'],
          ),
      ...(constant.length === 0
        ? []
        : [
            table(
              constant.map((f) => [f.key, f.variant, String(f.evaluations)]),
              ['ALWAYS THE SAME', 'VARIANT', 'EVALUATIONS'],
            ),
          ]),
    ].join('\n'),
  );
  return 0;
}
