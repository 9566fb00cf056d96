import { constant } from '../runtime.js';
import type { Expr, Operation, OperatorTable } from '../types.js';

/** `a.b\.c` → ['a', 'b.c'], as json-logic-engine splits var paths. */
export function splitPath(str: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < str.length; i++) {
    const char = str[i];
    if (char === '\\') {
      const next = str[i + 1];
      if (next === '.' || next === '/') {
        current += next;
        i++;
      } else if (next === '\\') {
        current += '\\';
        i++;
      } else current += '\\';
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (parts.length !== str.length) parts.push(current);
  return parts;
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let current = data as Record<string, unknown> | null | undefined;
  for (let i = 0; i < path.length && current !== null && current !== undefined; i++) {
    current = current[path[i] as string] as Record<string, unknown> | null | undefined;
  }
  return current;
}

function missing(keys: readonly unknown[], data: unknown): unknown[] {
  const out: unknown[] = [];
  for (const key of keys) {
    let current = data as Record<string, unknown> | undefined;
    let found = true;
    for (const part of splitPath(String(key))) {
      if (!current) {
        found = false;
        break;
      }
      current = current[part] as Record<string, unknown> | undefined;
      if (current === undefined) {
        found = false;
        break;
      }
    }
    if (!found) out.push(key);
  }
  return out;
}

const now = () => Math.floor(Date.now() / 1000);

function compileVar(o: Operation): Expr {
  const raw = o.raw;
  let keyNode = raw;
  let fallback: Expr = constant(null);
  if (Array.isArray(raw)) {
    keyNode = raw[0];
    if (raw.length > 1) fallback = o.compile(raw[1]);
  }
  const register = o.register;
  const finish = o.registerRead
    ? (value: unknown, data: unknown): unknown => {
        const v = value ?? fallback(data);
        register.prev = v;
        return typeof v === 'function' ? null : v;
      }
    : (value: unknown, data: unknown): unknown => {
        const v = value ?? fallback(data);
        return typeof v === 'function' ? null : v;
      };
  if (keyNode !== null && typeof keyNode === 'object') {
    const key = o.compile(keyNode);
    return (data) => {
      const k = key(data);
      if (k === undefined || k === null || k === '') return data;
      return finish(lookup(data, splitPath(String(k))), data);
    };
  }
  const flagKey = o.scope.flagKey;
  if (keyNode === undefined || keyNode === null || keyNode === '') {
    // The whole context: at the top, as flagd enriches it.
    if (!o.top) return (data) => data;
    return (data) => ({ ...(data as object), $flagd: { flagKey, timestamp: now() } });
  }
  const path = splitPath(String(keyNode));
  if (o.top && path[0] === '$flagd') {
    // flagd replaces any `$flagd` of the caller's context with its own.
    if (path.length === 1) return () => ({ flagKey, timestamp: now() });
    if (path.length === 2 && path[1] === 'flagKey') return (data) => finish(flagKey, data);
    if (path.length === 2 && path[1] === 'timestamp') return now;
    return (data) => finish(lookup({ flagKey, timestamp: now() }, path.slice(1)), data);
  }
  if (path.length === 1) {
    const only = path[0] as string;
    return (data) => finish(data === null || data === undefined ? undefined : (data as Record<string, unknown>)[only], data);
  }
  return (data) => finish(lookup(data, path), data);
}

/** var, missing, missing_some */
export const dataOperators: OperatorTable = {
  var: {
    compile: compileVar,
    // Inside an iterator's mapper, `var` reads the element: constant unless it climbs out.
    constant: (raw, insideIterator) => insideIterator && !String(raw).includes('../../'),
  },
  missing: {
    compile: (o) => {
      const list = o.compile(o.raw);
      return (data) => {
        const keys = list(data);
        return missing(Array.isArray(keys) ? keys : [keys], data);
      };
    },
    constant: (raw) => Array.isArray(raw) && raw.length === 0,
  },
  missing_some: {
    compile: (o) => {
      const [need, options] = [o.compile(o.args[0]), o.compile(o.args[1])];
      const register = o.register;
      return (data) => {
        const opts = options(data);
        const list = Array.isArray(opts) ? opts : [];
        const absent = missing(list, data);
        register.prev = absent;
        return list.length - absent.length >= (need(data) as number) ? [] : absent;
      };
    },
    constant: () => false,
  },
};
