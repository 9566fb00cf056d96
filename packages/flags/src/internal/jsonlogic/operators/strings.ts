import { LimitError } from '../errors.js';
import { constant } from '../runtime.js';
import type { Expr, Operation, OperatorTable } from '../types.js';

/** The error of a `cat` or `merge` that would build a value over the limit (the compile-time estimate assumes context values of 100). */
export function tooLong(op: string, max: number): never {
  throw new LimitError(`${op} would build a value longer than ${max} (limit maxValueLength)`);
}

function compileCat(o: Operation): Expr {
  const raw = o.raw;
  const max = o.limits.maxValueLength;
  if (!Array.isArray(raw)) {
    if (typeof raw === 'string') return constant(raw);
    if (typeof raw === 'number') return constant(String(raw));
    const value = o.compile(raw);
    return (data) => {
      const v = value(data);
      const out = typeof v === 'string' ? v : String(v);
      if (out.length > max) tooLong('cat', max);
      return out;
    };
  }
  const parts = o.compileAll();
  return (data) => {
    let out = '';
    for (const part of parts) out += part(data);
    if (out.length > max) tooLong('cat', max);
    return out;
  };
}

function compileSubstr(o: Operation): Expr {
  const [text, from, length] = [o.compile(o.args[0]), o.compile(o.args[1]), o.compile(o.args[2])];
  return (data) => {
    const s = text(data) as string;
    const start = from(data) as number;
    const end = length(data) as number | undefined;
    if ((end as number) < 0) {
      const rest = s.substr(start);
      return rest.substr(0, rest.length + (end as number));
    }
    return s.substr(start, end);
  };
}

function compileIn(o: Operation): Expr {
  const [needle, haystack] = [o.compile(o.args[0]), o.compile(o.args[1])];
  const fixed = o.args[1];
  // A literal list of primitives becomes a Set: `in` over a huge list stays O(1).
  if (Array.isArray(fixed) && fixed.length > 16 && fixed.every((v) => v === null || typeof v !== 'object')) {
    const set = new Set<unknown>(fixed);
    return (data) => set.has(needle(data));
  }
  return (data) => {
    const list = haystack(data) || [];
    return (list as { includes(x: unknown): boolean }).includes(needle(data));
  };
}

/** cat, substr, in (a substring, or a member of an array) */
export const stringOperators: OperatorTable = {
  cat: { compile: compileCat },
  substr: { compile: compileSubstr },
  in: { compile: compileIn },
};
