import { decode } from '../args.js';
import { defineCommand } from '../command.js';
import { color, table, UsageError } from '../output.js';

export const command = defineCommand({
  usage: 'dials services ls [NAME]',
  options: {},
  subcommands: { ls: { usage: 'dials services ls [NAME]', summary: 'instances of every service, or of NAME', options: [] } },
  examples: ['dials services ls', 'dials services ls checkout --json'],
  async run(ctx) {
    if (ctx.args[0] !== 'ls') throw new UsageError('services: the subcommand is ls');
    const name = ctx.args[1];
    const prefix = name ? `/services/${name}/` : '/services/';
    const { kvs } = await (await ctx.source()).list(prefix);
    const instances = kvs.map((kv) => {
      const [service, id] = kv.key.slice('/services/'.length).split('/') as [string, string];
      const data = decode(kv.value) as { host?: string; port?: number; registeredAt?: string };
      return { service, id, ...data };
    });
    ctx.out.result({ instances }, () =>
      instances.length === 0
        ? color.dim(`no instances under ${prefix}`)
        : table(
            instances.map((i) => [i.service, i.id, `${String(i.host)}:${String(i.port)}`, String(i.registeredAt ?? '')]),
            ['SERVICE', 'INSTANCE', 'ADDRESS', 'REGISTERED'],
          ),
    );
    return 0;
  },
});
