/**
 * The apps' JSON Schemas checked in the browser while a value is typed. ajv compiles schemas to
 * code with `new Function`, which the console's CSP forbids, so this is a small interpreter of the
 * keywords zod's JSON Schema uses. The server checks every write again with ajv: this is a hint,
 * never the gate. A keyword it does not know passes.
 */
type Schema = boolean | { readonly [keyword: string]: unknown };
type Coerce = 'number' | 'boolean' | 'string' | 'bigint';

const typeOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;

function matchesType(value: unknown, type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const actual = typeOf(value);
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Why `value` fails `schema` (the first reason, with where), or undefined when it passes. */
export function schemaFailure(value: unknown, schema: Schema, root: Schema = schema, at = ''): string | undefined {
  if (schema === true) return undefined;
  if (schema === false) return `${at || 'value'}: not allowed`;
  const s = schema;
  const where = at ? `${at} ` : '';
  if (typeof s.$ref === 'string') {
    const target = s.$ref === '#' ? root : resolve(root, s.$ref);
    if (target !== undefined) {
      const failure = schemaFailure(value, target, root, at);
      if (failure) return failure;
    }
  }
  if (s.type !== undefined && !matchesType(value, s.type)) return `${where}must be ${[s.type].flat().join(' or ')}`;
  if (Array.isArray(s.enum) && !s.enum.some((e) => same(e, value)))
    return `${where}must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if ('const' in s && !same(s.const, value)) return `${where}must be ${JSON.stringify(s.const)}`;
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) return `${where}must be >= ${s.minimum}`;
    if (typeof s.maximum === 'number' && value > s.maximum) return `${where}must be <= ${s.maximum}`;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) return `${where}must be > ${s.exclusiveMinimum}`;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) return `${where}must be < ${s.exclusiveMaximum}`;
    if (typeof s.multipleOf === 'number' && !Number.isInteger(value / s.multipleOf)) return `${where}must be a multiple of ${s.multipleOf}`;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) return `${where}must have at least ${s.minLength} characters`;
    if (typeof s.maxLength === 'number' && length > s.maxLength) return `${where}must have at most ${s.maxLength} characters`;
    if (typeof s.pattern === 'string' && !safeRegExp(s.pattern)?.test(value)) return `${where}must match pattern "${s.pattern}"`;
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) return `${where}must have at least ${s.minItems} items`;
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) return `${where}must have at most ${s.maxItems} items`;
    const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as Schema[]) : [];
    for (let i = 0; i < value.length; i++) {
      const item = i < prefix.length ? prefix[i] : (s.items as Schema | undefined);
      const failure = item === undefined ? undefined : schemaFailure(value[i], item, root, `${at}/${i}`);
      if (failure) return failure;
    }
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of Array.isArray(s.required) ? (s.required as string[]) : [])
      if (!Object.hasOwn(object, name)) return `${where}must have property '${name}'`;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const [name, child] of Object.entries(object)) {
      const rule = Object.hasOwn(properties, name) ? properties[name] : (s.additionalProperties as Schema | undefined);
      if (rule === false) return `${where}must NOT have additional property '${name}'`;
      const failure = rule === undefined ? undefined : schemaFailure(child, rule, root, `${at}/${name}`);
      if (failure) return failure;
    }
  }
  for (const sub of Array.isArray(s.allOf) ? (s.allOf as Schema[]) : []) {
    const failure = schemaFailure(value, sub, root, at);
    if (failure) return failure;
  }
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => !schemaFailure(value, sub, root, at)))
    return `${where}must match a schema in anyOf`;
  if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter((sub) => !schemaFailure(value, sub, root, at)).length !== 1)
    return `${where}must match exactly one schema in oneOf`;
  if (s.not !== undefined && !schemaFailure(value, s.not as Schema, root, at)) return `${where}must NOT be valid`;
  return undefined;
}

function resolve(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const name = part.replaceAll('~1', '/').replaceAll('~0', '~');
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
  }
  return typeof node === 'object' || typeof node === 'boolean' ? (node as Schema) : undefined;
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

/** The readings an app gives a raw value, as core reads it: its JSON value, then its text, unless the JSON is a string. */
function readings(raw: string): unknown[] {
  try {
    const json: unknown = JSON.parse(raw);
    return typeof json === 'string' ? [json] : [json, raw];
  } catch {
    return [raw];
  }
}

function coerced(value: unknown, to: Coerce | undefined): unknown {
  if (to === 'number') return Number(value);
  if (to === 'boolean') return Boolean(value);
  if (to === 'string') return String(value);
  if (to === 'bigint') return typeof value === 'string' || typeof value === 'number' ? Number(value) : value;
  return value;
}

/** Why an app with this rule would refuse the raw text `raw`, or undefined when it would read it. */
export function checkRaw(raw: string, rule: { jsonSchema?: Record<string, unknown>; coerce?: string }): string | undefined {
  if (!rule.jsonSchema) return undefined;
  const { $schema: _, ...schema } = rule.jsonSchema;
  let first: string | undefined;
  for (const reading of readings(raw)) {
    const value = coerced(reading, rule.coerce as Coerce | undefined);
    if (typeof value === 'number' && Number.isNaN(value)) {
      first ??= 'not a number';
      continue;
    }
    const failure = schemaFailure(value, schema);
    if (!failure) return undefined;
    first ??= failure;
  }
  return first;
}
