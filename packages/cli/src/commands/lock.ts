import { spawn } from 'node:child_process';
import { isDialsError, withLock } from '@dials/core';
import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { parseDuration, ttlOf, UsageError } from '../output.js';

/** The lock stayed someone else's past --wait: the command did not run. Exit 1, not 4 (etcd answered). */
export class LockBusy extends Error {
  override readonly name = 'LockBusy';
}

export const command = defineCommand({
  usage: 'dials lock NAME [--ttl 10s] [--wait 30s] -- COMMAND [ARGS...]',
  stream: true,
  options: {
    ttl: { type: 'string', arg: 'DURATION', help: 'lease of the lock: if dials dies, the lock frees after this long (default 10s)' },
    wait: { type: 'string', arg: 'DURATION', help: 'give up (exit 1) when the lock is not ours within this long (default 30s)' },
  },
  passThrough: true,
  examples: ['dials lock deploy-shop -- ./deploy.sh production', 'dials lock deploy-shop --wait 5m -- ./deploy.sh production'],
  async run(ctx) {
    const [name] = need(ctx, 1, 'NAME') as [string];
    const [command, ...args] = ctx.rest;
    if (!command) throw new UsageError('lock needs a command after --');
    const { ttl, wait } = ctx.values;
    const ttlMs = ttl ? ttlOf(ttl) : 10_000;
    const waitMs = wait ? parseDuration(wait, '--wait') : 30_000;
    const source = await ctx.source();
    try {
      return await withLock(
        source,
        name,
        () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(command, args, { stdio: 'inherit' });
            child.once('error', reject);
            child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
          }),
        { ttlMs, waitMs },
      );
    } catch (error) {
      if (isDialsError(error) && error.code === 'TIMEOUT' && error.key === `/locks/${name}`)
        throw new LockBusy(`lock ${name} is held by another process; gave up after ${wait ?? '30s'} (the command did not run)`);
      throw error;
    }
  },
});
