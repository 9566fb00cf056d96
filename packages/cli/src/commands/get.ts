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
    const value = shown(ctx, kv.key, kv.value, kv.binary) as string;
    // Bytes that are not UTF-8 go to --json as base64, never as text that would change them.
    const decoded = value === REDACTED ? REDACTED : kv.binary ? null : decode(kv.value);
    const base64 = kv.binary && value !== REDACTED ? { base64: Buffer.from(kv.value, 'latin1').toString('base64') } : {};
    ctx.out.result({ ...kv, value, decoded, ...base64 }, () => value);
    return 0;
  },
});
