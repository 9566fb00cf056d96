import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { color } from '../output.js';
import { namespaceFor, RELEASE_OPTIONS, write } from '../write.js';

export const command = defineCommand({
  usage: 'dials rm KEY [-r]',
  options: {
    recursive: { type: 'boolean', short: 'r', help: 'delete every key under KEY, taken as a prefix' },
    ...RELEASE_OPTIONS,
  },
  examples: ['dials rm /config/shop/dev/feature/old', 'dials rm -r /config/shop/tmp/'],
  async run(ctx) {
    const [key] = need(ctx, 1, 'KEY') as [string];
    const source = await ctx.source();
    const recursive = ctx.values.recursive === true;
    const keys = recursive ? (await source.list(key)).kvs.map((kv) => kv.key) : [key];
    if (keys.length === 0 || (!recursive && !(await source.get(key)))) {
      ctx.out.result({ deleted: 0 }, () => color.dim(`nothing to delete at ${key}`));
      return 1;
    }
    await write(
      ctx,
      keys.map((k) => ({ key: k, after: undefined })),
      namespaceFor(ctx, key),
    );
    return 0;
  },
});
