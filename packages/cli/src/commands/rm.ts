import { need, pathScope } from '../args.js';
import { defineCommand } from '../command.js';
import { color, stderrLine, UsageError } from '../output.js';
import { confirm } from '../prompt.js';
import { namespaceFor, RELEASE_OPTIONS, write } from '../write.js';

/** More keys than this (or any recursive delete from the root) is shown and asked about first. */
export const HANDFUL = 10;

export const command = defineCommand({
  usage: 'dials rm KEY [-r] [--yes]',
  options: {
    recursive: { type: 'boolean', short: 'r', help: 'delete KEY and every key under KEY/ (never KEYxyz)' },
    yes: { type: 'boolean', short: 'y', help: `delete more than ${HANDFUL} keys without asking (needed when not on a terminal)` },
    ...RELEASE_OPTIONS,
  },
  examples: ['dials rm /config/shop/dev/feature/old', 'dials rm -r /config/shop/tmp/', 'dials rm -r /config/shop/tmp --yes'],
  async run(ctx) {
    const [key] = need(ctx, 1, 'KEY') as [string];
    const source = await ctx.source();
    const recursive = ctx.values.recursive === true;
    const scope = pathScope(key);
    const keys = recursive
      ? (await source.list(scope.prefix)).kvs.map((kv) => kv.key).filter(scope.has)
      : (await source.get(key))
        ? [key]
        : [];
    if (keys.length === 0) {
      ctx.out.result({ deleted: 0 }, () => color.dim(`nothing to delete at ${key}`));
      return 1;
    }
    if (recursive && (keys.length > HANDFUL || key === '/' || key === '') && ctx.values.yes !== true) {
      const sample = keys.slice(0, 20).join('\n  ');
      const more = keys.length > 20 ? `\n  ... and ${keys.length - 20} more` : '';
      if (!process.stdin.isTTY || !process.stderr.isTTY)
        throw new UsageError(
          `rm -r ${key} would delete ${keys.length} keys; not on a terminal, so pass --yes to delete them:\n  ${sample}${more}`,
        );
      stderrLine(`rm -r ${key} deletes ${keys.length} keys:\n  ${sample}${more}`);
      if (!(await confirm(`Delete these ${keys.length} keys?`))) {
        ctx.out.result({ deleted: 0 }, () => color.dim('nothing deleted'));
        return 1;
      }
    }
    await write(
      ctx,
      keys.map((k) => ({ key: k, after: undefined })),
      namespaceFor(ctx, key),
    );
    return 0;
  },
});
