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

/** A value that is not UTF-8 (`KeyValue.binary`, one byte per character): its size and base64, never raw bytes on a terminal. */
export function binaryText(value: string): string {
  return `<${value.length} bytes, not UTF-8: base64 ${Buffer.from(value, 'latin1').toString('base64')}>`;
}

/** Whether two stored values hold the same bytes: `é` as text and the byte 0xE9 (binary) do not. */
export function sameBytes(a: { value: string; binary?: boolean }, b: { value: string; binary?: boolean }): boolean {
  return a.value === b.value && (a.binary ?? false) === (b.binary ?? false);
}

/** Values of secret keys (password, token, apiKey, ...) are shown only with --show-secrets; binary values as `binaryText`. */
export function shown(ctx: Context, key: string, value: string | undefined, binary = false): string | undefined {
  if (value === undefined) return undefined;
  if (ctx.values['show-secrets'] !== true && isSecretPath(key)) return REDACTED;
  return binary ? binaryText(value) : value;
}

/**
 * A prefix argument taken as a path: `/config/shop/x` is the key itself and what lies under
 * `/config/shop/x/`, never `/config/shop/xyz`. `/config/shop/x/` is only what lies under it.
 */
export interface PathScope {
  /** What to ask the source for: the argument as given (a superset, filtered by `has`). */
  readonly prefix: string;
  /** Where relative paths start: the argument up to its last `/`. */
  readonly base: string;
  has(key: string): boolean;
}

export function pathScope(given: string): PathScope {
  const dir = withSlash(given);
  return {
    prefix: given,
    base: given.slice(0, given.lastIndexOf('/') + 1),
    has: (key) => key === given || key.startsWith(dir),
  };
}

/** A release as printed: secret keys' before and after redacted unless --show-secrets. */
export function shownRelease<T extends { changes: readonly { key: string; before?: string; after?: string }[] }>(
  ctx: Context,
  release: T,
): T {
  return {
    ...release,
    changes: release.changes.map((c) => ({ ...c, before: shown(ctx, c.key, c.before), after: shown(ctx, c.key, c.after) })),
  };
}

/** A value in a message: quoted once (`"abc"`), redacted for a secret key unless --show-secrets. */
export function shownQuoted(ctx: Context, key: string, value: string): string {
  const text = shown(ctx, key, value) as string;
  return text === REDACTED ? REDACTED : JSON.stringify(text);
}
