import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { parseDuration, UsageError } from '../output.js';
import { namespaceFor, RELEASE_OPTIONS, write } from '../write.js';

export const command = defineCommand({
  usage: 'dials set KEY VALUE [--string] [--ttl 10m] [--message TEXT]',
  options: {
    string: { type: 'boolean', help: 'store VALUE as plain text (without it, VALUE must be JSON)' },
    ttl: { type: 'string', arg: 'DURATION', help: 'delete the key after this long (30s, 10m, 1h), e.g. a temporary debug level' },
    ...RELEASE_OPTIONS,
  },
  examples: [
    'dials set /config/shop/dev/database/port 5432',
    "dials set /config/shop/dev/logging/level '\"debug\"' --ttl 10m -m 'debug checkout'",
    'dials set /config/shop/dev/database/host db.internal --string',
    'dials set /config/shop/dev/retry/offset -- -1',
  ],
  async run(ctx) {
    const [key, value] = need(ctx, 2, 'KEY and VALUE') as [string, string];
    if (ctx.values.string !== true) {
      try {
        JSON.parse(value);
      } catch {
        throw new UsageError(`VALUE is not JSON: ${value} (quote a string as '"text"', or pass --string)`);
      }
    }
    const ttl = ctx.values.ttl;
    await write(ctx, [{ key, after: value }], namespaceFor(ctx, key), ttl ? { ttlMs: parseDuration(ttl) } : {});
    return 0;
  },
});
