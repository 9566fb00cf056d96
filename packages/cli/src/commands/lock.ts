import { spawn } from 'node:child_process';
import { withLock } from '@dials/core';
import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { parseDuration, UsageError } from '../output.js';

export const command = defineCommand({
  usage: 'dials lock NAME [--ttl 10s] [--wait 30s] -- COMMAND [ARGS...]',
  stream: true,
  options: {
    ttl: { type: 'string', arg: 'DURATION', help: 'lease of the lock: if dials dies, the lock frees after this long (default 10s)' },
    wait: { type: 'string', arg: 'DURATION', help: 'give up when the lock is not ours within this long (default 30s)' },
  },
  passThrough: true,
  examples: ['dials lock deploy-shop -- ./deploy.sh production', 'dials lock deploy-shop --wait 5m -- ./deploy.sh production'],
  async run(ctx) {
    const [name] = need(ctx, 1, 'NAME') as [string];
    const [command, ...args] = ctx.rest;
    if (!command) throw new UsageError('lock needs a command after --');
    const source = await ctx.source();
    const { ttl, wait } = ctx.values;
    return withLock(
      source,
      name,
      () =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(command, args, { stdio: 'inherit' });
          child.once('error', reject);
          child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
        }),
      { ttlMs: ttl ? parseDuration(ttl) : 10_000, waitMs: wait ? parseDuration(wait) : 30_000 },
    );
  },
});
