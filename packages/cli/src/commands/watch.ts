import { need, shown } from '../args.js';
import { defineCommand } from '../command.js';
import { color } from '../output.js';

export const command = defineCommand({
  usage: 'dials watch PREFIX',
  stream: true,
  options: {},
  examples: ['dials watch /config/shop/dev/', 'dials watch /flags/ --json'],
  async run(ctx) {
    const [prefix] = need(ctx, 1, 'PREFIX') as [string];
    const source = await ctx.source();
    let first = true;
    const watch = source.watch(prefix, {
      reset: (range) => {
        if (first) ctx.out.line(color.dim(`watching ${prefix} from revision ${range.revision} (${range.kvs.length} keys); Ctrl-C to stop`));
        first = false;
      },
      batch: (batch) => {
        for (const e of batch.events) {
          const value = shown(ctx, e.key, e.value);
          ctx.out.result({ revision: batch.revision, type: e.type, key: e.key, value }, () =>
            e.type === 'put'
              ? `${color.dim(String(batch.revision))} ${color.green('put')} ${e.key} = ${value}`
              : `${color.dim(String(batch.revision))} ${color.red('delete')} ${e.key}`,
          );
        }
      },
      status: (status) => ctx.out.line(color.dim(`(${status})`)),
      error: (error) => process.stderr.write(`${color.yellow('warning:')} ${error.message}\n`),
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await watch.close();
    return 0;
  },
});
