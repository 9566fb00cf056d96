import { REDACTED } from '@dials/core';
import { decode, need, shown } from '../args.js';
import { defineCommand } from '../command.js';
import { color } from '../output.js';

export const command = defineCommand({
  usage: 'dials get KEY',
  options: {},
  examples: ['dials get /config/shop/dev/database/port', 'dials get /config/shop/dev/database/port --json'],
  async run(ctx) {
    const [key] = need(ctx, 1, 'KEY') as [string];
    const kv = await (await ctx.source()).get(key);
    if (!kv) {
      ctx.out.result({ key, found: false }, () => `${color.red('not found:')} ${key}`);
      return 1;
    }
    const value = shown(ctx, kv.key, kv.value) as string;
    ctx.out.result({ ...kv, value, decoded: value === REDACTED ? REDACTED : decode(kv.value) }, () => value);
    return 0;
  },
});
