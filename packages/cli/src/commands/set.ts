import { REDACTED } from '@dials/core';
import { need, shownQuoted } from '../args.js';
import { defineCommand } from '../command.js';
import { GRAY_OPTIONS, grayOptionsOf } from '../gray-options.js';
import { DataError, ttlOf, UsageError } from '../output.js';
import { namespaceFor, RELEASE_OPTIONS, write } from '../write.js';

export const command = defineCommand({
  usage: 'dials set KEY VALUE [--string] [--ttl 10m] [--gray LABELS [--steps 10%,50%,100%] [--step-every 10m]] [--message TEXT]',
  options: {
    string: { type: 'boolean', help: 'store VALUE as plain text (without it, VALUE must be JSON)' },
    ttl: { type: 'string', arg: 'DURATION', help: 'delete the key after this long (30s, 10m, 1h), e.g. a temporary debug level' },
    ...GRAY_OPTIONS,
    ...RELEASE_OPTIONS,
  },
  examples: [
    'dials set /config/shop/dev/database/port 5432',
    "dials set /config/shop/dev/logging/level '\"debug\"' --ttl 10m -m 'debug checkout'",
    'dials set /config/shop/dev/database/host db.internal --string',
    'dials set /config/shop/dev/retry/offset -- -1',
    'dials set /config/shop/dev/database/pool 20 --gray canary=true -m "bigger pool on canaries"',
    'dials set /config/shop/dev/database/pool 20 --gray canary=true --steps 10%,50%,100% --step-every 10m',
  ],
  async run(ctx) {
    const [key, value] = need(ctx, 2, 'KEY and VALUE') as [string, string];
    // Parsed before connecting: a bad --ttl is a usage error, whatever etcd says.
    const ttlMs = ctx.values.ttl === undefined ? undefined : ttlOf(ctx.values.ttl);
    const gray = grayOptionsOf(ctx, { '--ttl': ttlMs !== undefined });
    if (ctx.values.string !== true) {
      try {
        JSON.parse(value);
      } catch {
        throw new UsageError(`VALUE is not JSON: ${shownQuoted(ctx, key, value)} (quote a string as '"text"', or pass --string)`);
      }
    }
    if (value === REDACTED || value === JSON.stringify(REDACTED))
      throw new DataError(`refusing to write the redaction placeholder ${JSON.stringify(REDACTED)} as the value of ${key}`);
    await write(ctx, [{ key, after: value }], namespaceFor(ctx, key), {
      ...(ttlMs === undefined ? {} : { ttlMs }),
      ...(gray ? { gray } : {}),
    });
    return 0;
  },
});
