import { isSecretPath, REDACTED } from '@dials/core';
import type { Context } from './command.js';
import { UsageError } from './output.js';

/** The first `count` positional arguments, or a usage error naming what is missing. */
export function need(ctx: Context, count: number, what: string): string[] {
  if (ctx.args.length < count) throw new UsageError(`missing ${what}`);
  return ctx.args.slice(0, count) as string[];
}

export function withSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Stored text to a value: JSON when it parses, else the plain text. */
export function decode(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Values of secret keys (password, token, apiKey, ...) are shown only with --show-secrets. */
export function shown(ctx: Context, key: string, value: string | undefined): string | undefined {
  return value === undefined || ctx.values['show-secrets'] === true || !isSecretPath(key) ? value : REDACTED;
}
