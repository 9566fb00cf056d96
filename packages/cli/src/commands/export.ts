import { isSecretPath } from '@dials/core';
import { stringify as stringifyYaml } from 'yaml';
import { decode, need, withSlash } from '../args.js';
import { defineCommand } from '../command.js';
import { nestedDocument, unfaithfulValues } from '../formats/document.js';
import { formatEnv } from '../formats/env.js';
import { color, stderrLine, UsageError } from '../output.js';

const FORMATS = ['json', 'yaml', 'env'];

export const command = defineCommand({
  usage: 'dials export PREFIX [--format json|yaml|env]',
  options: {
    format: { type: 'string', arg: 'FORMAT', help: 'json (the default), yaml or env; import reads each back as the same keys' },
  },
  examples: [
    'dials export /config/shop/dev/ --format yaml > config.yaml',
    'dials export /config/shop/dev/ --format env > shop.env',
    'dials export /config/shop/dev/ --show-secrets > backup.json',
  ],
  async run(ctx) {
    const [given] = need(ctx, 1, 'PREFIX') as [string];
    const format = ctx.values.format ?? 'json';
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format ${format}: json, yaml or env`);
    const prefix = withSlash(given);
    const { kvs } = await (await ctx.source()).list(prefix);
    // An export is for importing: a placeholder in place of a secret would be imported as its value.
    const secrets = kvs.filter((kv) => isSecretPath(kv.key)).map((kv) => kv.key);
    if (secrets.length > 0 && ctx.values['show-secrets'] !== true)
      throw new UsageError(
        `${secrets.join(', ')} ${secrets.length === 1 ? 'is a secret' : 'are secrets'}: export with --show-secrets to write their real values (the file then holds them), or export a prefix without secrets`,
      );
    // A document holds text: bytes that are not UTF-8 would come back changed (copy them with sync).
    const bytes = kvs.filter((kv) => kv.binary).map((kv) => kv.key);
    if (bytes.length > 0)
      throw new UsageError(
        `${bytes.join(', ')} ${bytes.length === 1 ? 'holds' : 'hold'} bytes that are not UTF-8 text, which a JSON, YAML or env file cannot carry: copy them with dials sync, or export a prefix without them`,
      );
    const entries = new Map<string, unknown>();
    for (const kv of kvs) {
      const path = kv.key.slice(prefix.length);
      if (path === '') throw new UsageError(`cannot export ${kv.key}: it is the prefix itself, with no path under it (export its parent)`);
      entries.set(path, decode(kv.value));
    }
    if (format === 'env' && !ctx.out.json) {
      process.stdout.write(`${formatEnv(entries)}\n`);
      return 0;
    }
    const lossy = unfaithfulValues(entries);
    if (lossy.length > 0)
      stderrLine(
        `${color.yellow('warning:')} import splits a JSON object into a key per leaf and skips null, so these keys will not come back as they are: ${lossy.join(', ')} (--format env keeps them)`,
      );
    const document = nestedDocument(entries);
    if (ctx.out.json) process.stdout.write(`${JSON.stringify(document)}\n`);
    // No trimming: YAML's `|+` keeps a value's trailing newlines in trailing lines.
    else process.stdout.write(format === 'yaml' ? stringifyYaml(document) : `${JSON.stringify(document, null, 2)}\n`);
    return 0;
  },
});
