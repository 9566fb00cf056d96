import { getRelease, rollbackRelease } from '@dials/core';
import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { color } from '../output.js';
import { describeRelease, RELEASE_OPTIONS } from '../write.js';

export const command = defineCommand({
  usage: 'dials rollback RELEASE --namespace NAMESPACE',
  options: {
    namespace: { type: 'string', arg: 'NAMESPACE', help: 'the namespace of the release, as history shows it (default "default")' },
    message: RELEASE_OPTIONS.message,
    author: RELEASE_OPTIONS.author,
  },
  examples: ['dials rollback 1234 --namespace config/shop/dev -m "bad port"'],
  async run(ctx) {
    const [id] = need(ctx, 1, 'RELEASE') as [string];
    const namespace = ctx.values.namespace ?? 'default';
    const source = await ctx.source();
    const release = await rollbackRelease(source, await getRelease(source, namespace, id), {
      author: ctx.values.author,
      message: ctx.values.message,
    });
    ctx.out.result({ release }, () => `${color.green('✓')} ${describeRelease(release)}`);
    return 0;
  },
});
