import type { ValidateFunction } from 'ajv';
import { isDialsError } from '../errors.js';
import { shownValue } from '../secrets.js';
import type { Source } from '../types.js';
import { type PathRule, type RegisteredSchema, schemasUnder } from './schema-registry.js';

/** A write that a registered schema refuses. */
export interface SchemaRefusal {
  readonly key: string;
  /** The apps whose schema refuses it. */
  readonly apps: readonly string[];
  /** Why, as the schema says it (a required key's delete says so). */
  readonly message: string;
}

type Ajv = { compile(schema: object): ValidateFunction };
let ajv: Promise<Ajv> | undefined;
const compiled = new Map<string, ValidateFunction>();

/** ajv is loaded on the write path only, the first time a registered schema is checked. */
function validator(): Promise<Ajv> {
  ajv ??= Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]).then(([ajvModule, formatsModule]) => {
    const Ajv2020 = (ajvModule as unknown as { default: new (options: object) => Ajv }).default;
    const addFormats = (formatsModule as unknown as { default: (ajv: Ajv) => void }).default;
    const instance = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(instance);
    return instance;
  });
  return ajv;
}

/** The readings core gives a raw value (see decodeValue): its JSON value, then its text, unless the JSON is a string. */
function readings(raw: string): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return [raw];
  }
  return typeof json === 'string' ? [json] : [json, raw];
}

function coerce(value: unknown, to: PathRule['coerce']): unknown {
  if (to === 'number') return Number(value);
  if (to === 'boolean') return Boolean(value);
  if (to === 'string') return String(value);
  if (to === 'bigint') return typeof value === 'string' || typeof value === 'number' ? Number(value) : value;
  return value;
}

/** Why `raw` fails `rule` as the app would read it, or undefined when it passes. */
async function failure(schema: RegisteredSchema, path: string, rule: PathRule, raw: string, binary: boolean): Promise<string | undefined> {
  if (rule.unchecked || !rule.jsonSchema) return undefined;
  if (binary) return 'the value is not UTF-8 text';
  const id = `${schema.hash}:${path}`;
  let check = compiled.get(id);
  if (!check) {
    const { $schema: _, ...jsonSchema } = rule.jsonSchema;
    check = (await validator()).compile(jsonSchema);
    compiled.set(id, check);
  }
  let first: string | undefined;
  for (const reading of readings(raw)) {
    const value = coerce(reading, rule.coerce);
    if (typeof value === 'number' && Number.isNaN(value)) {
      first ??= 'not a number';
      continue;
    }
    if (check(value)) return undefined;
    const error = check.errors?.[0];
    first ??= error ? `${error.instancePath ? `${error.instancePath} ` : ''}${error.message ?? 'invalid'}` : 'invalid';
  }
  return first;
}

type Write = { readonly key: string; readonly after: string | undefined; readonly binary?: boolean };

/** What the schema check found: the refusals, and the namespaces whose schemas could not be read. */
export interface WriteCheck {
  readonly refusals: SchemaRefusal[];
  /** Namespaces (of the written keys) whose registered schemas the user may not read: not checked against them. */
  readonly unreadable: string[];
  /**
   * Of those, the release's namespace and the ones below it (all, without one). Those above it are
   * left out: the roles `dials rbac` prints grant one team's namespace, not the ones above.
   */
  readonly unchecked: string[];
}

/**
 * Check writes against every schema the apps registered: a value a running app would refuse,
 * read as core reads it (JSON first, then plain text, coerced where the app coerces), or the
 * delete of a key an app requires. Keys under `/dials/` are Dials' own and not checked. See
 * `checkWritesReport` for the namespaces whose schemas the user may not read.
 */
export async function checkWrites(source: Source, changes: readonly Write[]): Promise<SchemaRefusal[]> {
  return (await checkWritesReport(source, changes)).refusals;
}

/** `checkWrites`, and the namespaces it could not check because the user may not read their schemas. */
export async function checkWritesReport(source: Source, changes: readonly Write[], releaseNamespace = 'default'): Promise<WriteCheck> {
  const targets = changes.filter((c) => !c.key.startsWith('/dials/'));
  if (targets.length === 0) return { refusals: [], unreadable: [], unchecked: [] };
  // The namespaces a key can lie in (apps name theirs by their prefix): each directory above it, at any depth.
  const namespaces = new Set<string>();
  for (const change of targets) {
    const segments = change.key.split('/').filter(Boolean);
    for (let depth = 1; depth < segments.length; depth++) namespaces.add(segments.slice(0, depth).join('/'));
  }
  // Shallowest first: one read of a namespace's schemas holds those of every namespace below it.
  const schemas: RegisteredSchema[] = [];
  const read: string[] = [];
  const unreadable: string[] = [];
  for (const namespace of [...namespaces].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))) {
    if (read.some((above) => namespace.startsWith(`${above}/`))) continue;
    try {
      schemas.push(...(await schemasUnder(source, namespace)).filter((s) => namespaces.has(s.namespace)));
      read.push(namespace);
    } catch (error) {
      // A role that may not read a namespace's schemas is not checked against them: the caller says so.
      if (!(isDialsError(error) && error.code === 'PERMISSION_DENIED')) throw error;
      unreadable.push(namespace);
    }
  }
  const refusals = new Map<string, { key: string; apps: string[]; message: string }>();
  for (const change of targets) {
    for (const schema of schemas) {
      const base = `/${schema.namespace}/`;
      if (!change.key.startsWith(base)) continue;
      const path = change.key.slice(base.length);
      if (!Object.hasOwn(schema.paths, path)) continue;
      const rule = schema.paths[path] as PathRule;
      const message =
        change.after === undefined
          ? rule.required
            ? `${path} is required by the schema (no default): it cannot be deleted`
            : undefined
          : await failure(schema, path, rule, change.after, change.binary ?? false);
      if (message === undefined) continue;
      const id = `${change.key}\u0000${message}`;
      const entry = refusals.get(id) ?? { key: change.key, apps: [], message };
      entry.apps.push(schema.app);
      refusals.set(id, entry);
    }
  }
  const within = (n: string) => releaseNamespace === 'default' || n === releaseNamespace || n.startsWith(`${releaseNamespace}/`);
  return { refusals: [...refusals.values()], unreadable, unchecked: unreadable.filter(within) };
}

/** One line per refusal, for an error: `/config/shop/prod/db/port = "abc" refused by shop, billing: not a number`. */
export function describeRefusals(
  refusals: readonly SchemaRefusal[],
  changes: readonly { key: string; after: string | undefined }[],
): string {
  const after = new Map(changes.map((c) => [c.key, c.after]));
  return refusals
    .slice(0, 5)
    .map((r) => {
      const raw = after.get(r.key);
      const value = raw === undefined ? ' (delete)' : ` = ${shownValue(r.key, raw)}`;
      return `${r.key}${value} refused by ${r.apps.join(', ')}: ${r.message}`;
    })
    .join('; ')
    .concat(refusals.length > 5 ? `; and ${refusals.length - 5} more` : '');
}
