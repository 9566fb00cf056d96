import { REDACTED } from '@dials/core';
import { need, shown, withSlash } from '../args.js';
import { defineCommand } from '../command.js';
import { formatDocument, toDocument } from '../formats/document.js';

export const command = defineCommand({
  usage: 'dials export PREFIX [--format json|yaml|env]',
  options: {
    format: { type: 'string', arg: 'FORMAT', help: 'json (the default), yaml or env' },
  },
  examples: ['dials export /config/shop/dev/ --format yaml > config.yaml'],
  async run(ctx) {
    const [prefix] = need(ctx, 1, 'PREFIX') as [string];
    const kvs = (await (await ctx.source()).list(withSlash(prefix))).kvs.map((kv) => ({
      ...kv,
      value: shown(ctx, kv.key, kv.value) === REDACTED ? JSON.stringify(REDACTED) : kv.value,
    }));
    const document = toDocument(kvs, withSlash(prefix));
    const format = ctx.values.format ?? 'json';
    process.stdout.write(`${ctx.out.json ? JSON.stringify(document) : formatDocument(document, format, kvs, withSlash(prefix))}\n`);
    return 0;
  },
});
