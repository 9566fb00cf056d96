import { getRelease, namespaceOf, rollbackRelease } from '@dials/core';
import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { printRelease, RELEASE_OPTIONS } from '../write.js';

export const command = defineCommand({
  usage: 'dials rollback RELEASE --namespace NAMESPACE',
  options: {
    namespace: {
      type: 'string',
      arg: 'NAMESPACE',
      help: 'the namespace of the release, as history shows it, or its prefix (/config/shop/dev/); default "default"',
    },
    message: RELEASE_OPTIONS.message,
    author: RELEASE_OPTIONS.author,
  },
  examples: ['dials rollback 1234 --namespace config/shop/dev -m "bad port"'],
  async run(ctx) {
    const [id] = need(ctx, 1, 'RELEASE') as [string];
    const namespace = namespaceOf(ctx.values.namespace);
    const source = await ctx.source();
    const release = await rollbackRelease(source, await getRelease(source, namespace, id), {
      author: ctx.values.author,
      message: ctx.values.message,
    });
    printRelease(ctx, release);
    return 0;
  },
});
