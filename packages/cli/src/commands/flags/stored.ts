import { validateFlagDefinition } from '@dials/flags';
import { decode } from '../../args.js';
import type { Context } from '../../command.js';
import { DataError } from '../../output.js';
import { namespaceFor, type RELEASE_OPTIONS, write } from '../../write.js';

export type FlagDoc = Record<string, unknown> & { variants?: Record<string, unknown>; targeting?: unknown };

/** The namespace's shared rules (`$ref` targets), stored under the flags prefix as `$evaluators`. */
export async function evaluatorsOf(ctx: Context, prefix: string): Promise<Record<string, unknown>> {
  const kv = await (await ctx.source()).get(`${prefix}$evaluators`);
  const value = kv ? decode(kv.value) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DataError(`${prefix}$evaluators is not a JSON object, so no flag that uses $ref can be checked`);
  return value as Record<string, unknown>;
}

/** The stored flag `key`, or a DataError (exit 1) saying there is none. */
export async function readFlag(ctx: Context, prefix: string, key: string): Promise<FlagDoc> {
  const kv = await (await ctx.source()).get(prefix + key);
  if (!kv) throw new DataError(`no flag ${key} under ${prefix}`);
  const doc = decode(kv.value);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DataError(`${prefix}${key} is not a flag (a JSON object)`);
  return doc as FlagDoc;
}

/**
 * Write flag `key` as a release, after compiling it as applications do, with the namespace's
 * `$evaluators` (what `$ref` points to): a flag that would not compile is refused (exit 1).
 */
export async function saveFlag(ctx: Context<typeof RELEASE_OPTIONS>, prefix: string, key: string, next: FlagDoc): Promise<void> {
  try {
    validateFlagDefinition(key, next, await evaluatorsOf(ctx, prefix));
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`flag ${key} would be invalid: ${(error as Error).message}`);
  }
  await write(ctx, [{ key: prefix + key, after: JSON.stringify(next) }], namespaceFor(ctx, prefix));
}
