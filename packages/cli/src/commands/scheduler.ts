import { startScheduler } from '@dials/discovery';
import { defineCommand } from '../command.js';
import { color, ttlOf, UsageError } from '../output.js';

export const command = defineCommand({
  usage: 'dials scheduler [NAMESPACE...] [--election NAME] [--ttl 10s]',
  stream: true,
  options: {
    election: {
      type: 'string',
      arg: 'NAME',
      help: 'the election among schedulers (default dials-scheduler); schedulers of other namespaces need another',
    },
    ttl: {
      type: 'string',
      arg: 'DURATION',
      help: 'the election lease: when this scheduler dies, another takes over after this long (default 10s)',
    },
  },
  examples: ['dials scheduler', 'dials scheduler config/shop/dev flags/shop/dev --election shop-dev-scheduler --ttl 5s'],
  async run(ctx) {
    const ttlMs = ctx.values.ttl === undefined ? 10_000 : ttlOf(ctx.values.ttl);
    if (ttlMs < 1_000) throw new UsageError('--ttl must be at least 1s (etcd leases are whole seconds)');
    const election = ctx.values.election ?? 'dials-scheduler';
    if (election.includes('/')) throw new UsageError(`--election is one name, without "/": ${JSON.stringify(election)}`);
    const namespaces = ctx.args.length > 0 ? ctx.args.map((n) => n.replace(/^\/+|\/+$/g, '')) : undefined;
    const scope = namespaces ? namespaces.join(', ') : 'every namespace';
    const scheduler = startScheduler({ source: await ctx.source(), election, ttlMs, ...(namespaces ? { namespaces } : {}) });
    // One line per event (a JSON line each with --json), as watch prints changes.
    scheduler.events$.subscribe((e) => {
      const text =
        e.type === 'following'
          ? color.dim(`standing in election ${election} (${scope}); Ctrl-C to stop`)
          : e.type === 'leading'
            ? `${color.green('leading')}: applying scheduled change requests of ${scope}`
            : e.type === 'applied'
              ? `${color.green('applied')} change request ${e.id} in ${e.namespace}${e.release ? `: release ${e.release.replace(/^0+/, '')}` : ': nothing to change'}`
              : e.type === 'not-applied'
                ? `${color.yellow('not applied')} change request ${e.id} in ${e.namespace}: ${e.reason}`
                : `${color.yellow('warning:')} ${e.error.message}`;
      ctx.out.result(e.type === 'error' ? { type: 'error', error: { code: e.error.code, message: e.error.message } } : e, () => text);
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    // Resigning lets another scheduler lead at once; never wait long on etcd for it.
    await Promise.race([scheduler.close(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    return 0;
  },
});
