import { REDACTED } from '@dials/core';
import { decode, need, shown, withSlash } from '../args.js';
import { defineCommand } from '../command.js';
import { formatDocument, toDocument } from '../formats/document.js';
import { formatEnv } from '../formats/env.js';
import { UsageError } from '../output.js';

export const command = defineCommand({
  usage: 'dials export PREFIX [--format json|yaml|env]',
  options: {
    format: { type: 'string', arg: 'FORMAT', help: 'json (the default), yaml or env' },
  },
  examples: ['dials export /config/shop/dev/ --format yaml > config.yaml', 'dials export /config/shop/dev/ --format env > shop.env'],
  async run(ctx) {
    const prefix = withSlash((need(ctx, 1, 'PREFIX') as [string])[0]);
    const kvs = (await (await ctx.source()).list(prefix)).kvs.map((kv) => ({
      ...kv,
      value: shown(ctx, kv.key, kv.value) === REDACTED ? JSON.stringify(REDACTED) : kv.value,
    }));
    const format = ctx.values.format ?? 'json';
    if (format === 'env' && !ctx.out.json) {
      const entries = new Map<string, unknown>();
      for (const kv of kvs) entries.set(kv.key.slice(prefix.length), decode(kv.value));
      if (entries.has(''))
        throw new UsageError(`cannot export ${prefix}: it is the prefix itself, with no path under it (export its parent)`);
      process.stdout.write(`${formatEnv(entries)}\n`);
      return 0;
    }
    const document = toDocument(kvs, prefix);
    process.stdout.write(`${ctx.out.json ? JSON.stringify(document) : formatDocument(document, format)}\n`);
    return 0;
  },
});
