import { need, withSlash } from '../args.js';
import { defineCommand } from '../command.js';
import { grayOptionsOf } from '../gray-options.js';
import { applyPlan, PLAN_OPTIONS } from '../plan.js';

export const command = defineCommand({
  usage: 'dials sync PREFIX_A PREFIX_B [--delete] [--apply] [--gray LABELS]',
  options: PLAN_OPTIONS,
  examples: [
    'dials sync /config/shop/staging/ /config/shop/production/',
    'dials sync /config/shop/staging/ /config/shop/production/ --delete --apply -m "promote staging"',
    'dials sync /config/shop/staging/ /config/shop/production/ --apply --gray canary=true',
  ],
  async run(ctx) {
    const [a, b] = need(ctx, 2, 'two prefixes').map(withSlash) as [string, string];
    const gray = grayOptionsOf(ctx, { '--delete': ctx.values.delete === true });
    const source = await ctx.source();
    const [left, right] = await Promise.all([source.list(a), source.list(b)]);
    const binary = new Set(left.kvs.filter((kv) => kv.binary).map((kv) => kv.key.slice(a.length)));
    return applyPlan(ctx, new Map(left.kvs.map((kv) => [kv.key.slice(a.length), kv.value])), right, b, binary, gray);
  },
});
