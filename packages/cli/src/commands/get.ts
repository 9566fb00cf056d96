import { REDACTED } from '@dials/core';
import { decode, need, shown } from '../args.js';
import { defineCommand } from '../command.js';
import { heldBy, heldNote } from '../held.js';
import { color, stderrLine } from '../output.js';

export const command = defineCommand({
  usage: 'dials get KEY',
  options: {},
  examples: ['dials get /config/shop/dev/database/port', 'dials get /config/shop/dev/database/port --json'],
  async run(ctx) {
    const [key] = need(ctx, 1, 'KEY') as [string];
    const source = await ctx.source();
    // Running apps that refused etcd's value (or its deletion) still serve their last good one: say so.
    const [kv, held] = await Promise.all([source.get(key), heldBy(source, key)]);
    if (held.length > 0 && !ctx.out.json) stderrLine(heldNote(key, held));
    const heldField = held.length > 0 ? { heldBy: held } : {};
    if (!kv) {
      ctx.out.result({ key, found: false, ...heldField }, () => `${color.red('not found:')} ${key}`);
      return 1;
    }
    const value = shown(ctx, kv.key, kv.value, kv.binary) as string;
    // Bytes that are not UTF-8 go to --json as base64, never as text that would change them.
    const decoded = value === REDACTED ? REDACTED : kv.binary ? null : decode(kv.value);
    const base64 = kv.binary && value !== REDACTED ? { base64: Buffer.from(kv.value, 'latin1').toString('base64') } : {};
    ctx.out.result({ ...kv, value, decoded, ...base64, ...heldField }, () => value);
    return 0;
  },
});
