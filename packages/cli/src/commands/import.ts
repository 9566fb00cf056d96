import { need, withSlash } from '../args.js';
import { defineCommand } from '../command.js';
import { readEntries } from '../formats/read-entries.js';
import { grayOptionsOf } from '../gray-options.js';
import { UsageError } from '../output.js';
import { applyPlan, PLAN_OPTIONS } from '../plan.js';

export const command = defineCommand({
  usage: 'dials import FILE --prefix PREFIX [--apply] [--delete] [--flags] [--gray LABELS]',
  options: {
    prefix: { type: 'string', arg: 'PREFIX', help: 'where the keys go, e.g. /config/shop/dev/ (required)' },
    flags: { type: 'boolean', help: 'read FILE as a flagd flag set even without a top-level "flags" object' },
    ...PLAN_OPTIONS,
  },
  examples: [
    'dials import config.yaml --prefix /config/shop/dev/',
    'dials import config.yaml --prefix /config/shop/dev/ --apply -m "initial config"',
    'dials import .env --prefix /config/shop/dev/ --apply --delete',
    'dials import flags.flagd.json --prefix /flags/shop/dev/ --apply',
    'dials import config.yaml --prefix /config/shop/dev/ --apply --gray canary=true',
  ],
  async run(ctx) {
    const [file] = need(ctx, 1, 'FILE') as [string];
    const prefix = ctx.values.prefix;
    if (!prefix) throw new UsageError('import needs --prefix, e.g. --prefix /config/shop/dev/');
    const gray = grayOptionsOf(ctx, { '--delete': ctx.values.delete === true, '--flags': ctx.values.flags === true });
    const { entries, flags } = readEntries(file, ctx.values.flags === true ? 'flags' : 'auto');
    // Flag instances do not follow gray releases: a flag rolls out by its own targeting.
    if (gray && flags)
      throw new UsageError(`--gray is for config: ${file} is a flag set, which rolls out by its targeting (dials flags rollout)`);
    const source = await ctx.source();
    const target = withSlash(prefix);
    return applyPlan(ctx, entries, await source.list(target), target, new Set(), gray);
  },
});
