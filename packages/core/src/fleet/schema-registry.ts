import { createHash } from 'node:crypto';
import { validate } from '../internal/decode.js';
import type { SchemaMap, StandardSchemaV1 } from '../schema.js';
import type { Source } from '../types.js';

/** Where apps publish their schemas: `/dials/schemas/<namespace>/<app>`. */
export const SCHEMAS_PREFIX = '/dials/schemas/';

/** How a running app reads one path, as the registry holds it. */
export interface PathRule {
  /** The JSON Schema of the values the app accepts (its input side), when the schema library can say. */
  readonly jsonSchema?: Readonly<Record<string, unknown>>;
  /** The app coerces plain text first, as `z.coerce.number()` does: the check does the same. */
  readonly coerce?: 'number' | 'boolean' | 'string' | 'bigint';
  /** The schema has no default and is not optional: deleting the key is refused. */
  readonly required: boolean;
  /** Why the path cannot be checked (a schema without JSON Schema, a Date, a transform's output...). */
  readonly unchecked?: string;
}

/** An app's schema as published: one rule per path, and a hash of them. */
export interface RegisteredSchema {
  readonly app: string;
  readonly namespace: string;
  readonly hash: string;
  readonly updatedAt: string;
  readonly paths: Readonly<Record<string, PathRule>>;
}

type JsonSchemaCapable = {
  toJSONSchema?: (options?: { io?: 'input' | 'output' }) => unknown;
  toJsonSchema?: () => unknown;
  _zod?: { def?: { coerce?: boolean; type?: string } };
};

/** The rule for one path: JSON Schema from the library where it offers it (zod 4, arktype), else unchecked. */
function ruleOf(schema: StandardSchemaV1): PathRule {
  const required = !validate(schema, undefined).ok;
  const capable = schema as unknown as JsonSchemaCapable;
  const def = capable._zod?.def;
  const coerce =
    def?.coerce && ['number', 'boolean', 'string', 'bigint'].includes(def.type ?? '') ? (def.type as PathRule['coerce']) : undefined;
  let jsonSchema: unknown;
  try {
    jsonSchema = capable.toJSONSchema ? capable.toJSONSchema({ io: 'input' }) : capable.toJsonSchema?.();
  } catch (error) {
    return { required, unchecked: `its schema has no JSON Schema form (${(error as Error).message})` };
  }
  if (typeof jsonSchema !== 'object' || jsonSchema === null) {
    return { required, unchecked: `the ${schema['~standard'].vendor} schema offers no JSON Schema` };
  }
  return { required, jsonSchema: jsonSchema as Record<string, unknown>, ...(coerce ? { coerce } : {}) };
}

/** What an app publishes for its schema map under `namespace`. */
export function describeSchema(app: string, namespace: string, schema: SchemaMap): RegisteredSchema {
  const paths: Record<string, PathRule> = {};
  for (const path of Object.keys(schema).sort()) paths[path] = ruleOf(schema[path] as StandardSchemaV1);
  const hash = createHash('sha256').update(JSON.stringify(paths)).digest('hex').slice(0, 16);
  return { app, namespace, hash, updatedAt: new Date().toISOString(), paths };
}

/** Publish `schema` unless the registry already holds the same (by hash). */
export async function registerSchema(source: Source, schema: RegisteredSchema): Promise<boolean> {
  const key = `${SCHEMAS_PREFIX}${schema.namespace}/${schema.app}`;
  const current = await source.get(key);
  if (current) {
    try {
      if ((JSON.parse(current.value) as RegisteredSchema).hash === schema.hash) return false;
    } catch {
      // unreadable: replace it
    }
  }
  await source.put(key, JSON.stringify(schema));
  return true;
}

/**
 * The registered schemas: of every namespace, or (with `namespaces`) of those only, so that a role
 * granted one namespace's schemas can read them. Unreadable entries are left out.
 */
export async function loadSchemas(source: Source, namespaces?: readonly string[]): Promise<RegisteredSchema[]> {
  const prefixes = namespaces ? namespaces.map((n) => `${SCHEMAS_PREFIX}${n}/`) : [SCHEMAS_PREFIX];
  const kvs = (await Promise.all(prefixes.map((prefix) => source.list(prefix)))).flatMap((range) => range.kvs);
  // A namespace's prefix also lists the namespaces below it: keep the asked ones only.
  return readSchemas(kvs).filter((schema) => !namespaces || namespaces.includes(schema.namespace));
}

/** The schemas registered for `namespace` and every namespace below it, in one read. */
export async function schemasUnder(source: Source, namespace: string): Promise<RegisteredSchema[]> {
  return readSchemas((await source.list(`${SCHEMAS_PREFIX}${namespace}/`)).kvs);
}

function readSchemas(kvs: readonly { readonly value: string }[]): RegisteredSchema[] {
  const out: RegisteredSchema[] = [];
  for (const kv of kvs) {
    try {
      const schema = JSON.parse(kv.value) as RegisteredSchema;
      if (typeof schema.app !== 'string' || typeof schema.namespace !== 'string' || typeof schema.paths !== 'object') continue;
      out.push(schema);
    } catch {
      // a broken entry checks nothing; `dials fleet` shows it
    }
  }
  return out;
}
