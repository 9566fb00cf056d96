import type { SchemaMap, StandardSchemaV1 } from '../schema.js';
import { frozen, validate } from './decode.js';

/** The schema of `path`: an own property only, so a path named `constructor` or `toString` has none. */
export function schemaOf(schema: SchemaMap, path: string): StandardSchemaV1 | undefined {
  return Object.hasOwn(schema, path) ? schema[path] : undefined;
}

/** Paths whose schema accepts no `undefined`: neither optional nor with a default. */
export function requiredPaths(schema: SchemaMap): ReadonlySet<string> {
  return new Set(Object.keys(schema).filter((path) => !validate(schema[path] as StandardSchemaV1, undefined).ok));
}

/** The schema's default for an unset `path` (`z.number().default(5)`), frozen; undefined without one. */
export function defaultOf(schema: SchemaMap, path: string): unknown {
  const found = schemaOf(schema, path);
  if (!found) return undefined;
  const result = validate(found, undefined);
  if (!result.ok) return undefined;
  const fixed = frozen(result.value);
  return fixed.ok ? fixed.value : undefined;
}
