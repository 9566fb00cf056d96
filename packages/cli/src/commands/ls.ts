import { pathScope, shown } from '../args.js';
import { defineCommand } from '../command.js';
import { color } from '../output.js';

export const command = defineCommand({
  usage: 'dials ls [PREFIX]',
  options: {},
  examples: ['dials ls /config/shop/', 'dials ls /config/shop/dev/ --json'],
  async run(ctx) {
    const prefix = ctx.args[0] ?? '/';
    const scope = pathScope(prefix);
    const { revision, kvs: all } = await (await ctx.source()).list(scope.prefix);
    const kvs = all.filter((kv) => scope.has(kv.key));
    ctx.out.result(
      {
        prefix,
        revision,
        keys: kvs.map((kv) => ({
          key: kv.key,
          value: shown(ctx, kv.key, kv.value, kv.binary),
          modRevision: kv.modRevision,
          ...(kv.binary ? { binary: true } : {}),
        })),
      },
      () => {
        if (kvs.length === 0) return color.dim(`no keys under ${prefix}`);
        const lines: string[] = [];
        let previous: string[] = [];
        for (const kv of kvs) {
          const parts = kv.key.slice(scope.base.length).split('/');
          let shared = 0;
          while (shared < parts.length - 1 && parts[shared] === previous[shared]) shared++;
          for (let i = shared; i < parts.length - 1; i++) lines.push(`${'  '.repeat(i)}${color.cyan(`${parts[i]}/`)}`);
          const value = shown(ctx, kv.key, kv.value, kv.binary) as string;
          lines.push(
            `${'  '.repeat(parts.length - 1)}${parts[parts.length - 1]} ${color.dim('=')} ${value.length > 80 ? `${value.slice(0, 77)}...` : value}`,
          );
          previous = parts.slice(0, -1);
        }
        return lines.join('\n');
      },
    );
    return 0;
  },
});
