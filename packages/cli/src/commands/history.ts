import { listReleases } from '@dials/core';
import { defineCommand } from '../command.js';
import { color, table, UsageError } from '../output.js';

export const command = defineCommand({
  usage: 'dials history [--namespace config/shop/dev] [--limit 20]',
  options: {
    namespace: { type: 'string', arg: 'NAMESPACE', help: 'whose releases, e.g. config/shop/dev (default "default")' },
    limit: { type: 'string', arg: 'N', help: 'at most this many releases (default 20)' },
  },
  examples: ['dials history --namespace config/shop/dev', 'dials history --namespace config/shop/dev --json'],
  async run(ctx) {
    const namespace = ctx.values.namespace ?? 'default';
    const limit = Number(ctx.values.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit is not a positive whole number: ${ctx.values.limit}`);
    const releases = await listReleases(await ctx.source(), namespace, limit);
    ctx.out.result({ namespace, releases }, () =>
      releases.length === 0
        ? color.dim(`no releases in ${namespace}`)
        : table(
            releases.map((r) => [
              r.id.replace(/^0+/, ''),
              r.at.replace('T', ' ').slice(0, 19),
              r.author,
              String(r.changes.length),
              `${r.message}${r.rollbackOf ? ` (rolls back ${r.rollbackOf.replace(/^0+/, '')})` : ''}`,
            ]),
            ['RELEASE', 'AT', 'AUTHOR', 'CHANGES', 'MESSAGE'],
          ),
    );
    return 0;
  },
});
