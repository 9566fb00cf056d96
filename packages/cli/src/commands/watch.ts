import { need, pathScope, shown } from '../args.js';
import { defineCommand } from '../command.js';
import { color, stderrLine } from '../output.js';

export const command = defineCommand({
  usage: 'dials watch PREFIX',
  stream: true,
  options: {},
  examples: ['dials watch /config/shop/dev/', 'dials watch /flags/ --json'],
  async run(ctx) {
    const [prefix] = need(ctx, 1, 'PREFIX') as [string];
    const scope = pathScope(prefix);
    const source = await ctx.source();
    let first = true;
    const watch = source.watch(scope.prefix, {
      reset: (range) => {
        const count = range.kvs.filter((kv) => scope.has(kv.key)).length;
        if (first) ctx.out.line(color.dim(`watching ${prefix} from revision ${range.revision} (${count} keys); Ctrl-C to stop`));
        first = false;
      },
      batch: (batch) => {
        for (const e of batch.events) {
          if (!scope.has(e.key)) continue;
          const value = shown(ctx, e.key, e.value, e.binary);
          ctx.out.result({ revision: batch.revision, type: e.type, key: e.key, value }, () =>
            e.type === 'put'
              ? `${color.dim(String(batch.revision))} ${color.green('put')} ${e.key} = ${value}`
              : `${color.dim(String(batch.revision))} ${color.red('delete')} ${e.key}`,
          );
        }
      },
      status: (status) => ctx.out.line(color.dim(`(${status})`)),
      error: (error) => stderrLine(`${color.yellow('warning:')} ${error.message}`),
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    // Ctrl-C means now: stop the watch, but never wait long on etcd to acknowledge it.
    await Promise.race([watch.close(), new Promise((resolve) => setTimeout(resolve, 300).unref())]);
    return 0;
  },
});
