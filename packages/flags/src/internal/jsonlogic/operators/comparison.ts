import { CompileError } from '../errors.js';
import * as runtime from '../runtime.js';
import type { Expr, Operation, Operator, OperatorTable } from '../types.js';

// Bound here: through vitest's module runner, where the benchmarks run, an imported name is a lookup at every use.
const { nan, precoerce } = runtime;

/** json-logic-engine's compareCheck: which operand pairs compare, and how nulls coerce. */
function compareCheck(item: unknown, prev: unknown, strict: boolean): unknown {
  if (strict || ((typeof item === 'string' || item === null) && (typeof prev === 'string' || prev === null))) return item;
  if (Number.isNaN(+(precoerce(item) as number)) && prev !== null) nan();
  if (Number.isNaN(+(precoerce(prev) as number))) nan();
  if (prev === null && !item) return null;
  if (item === null && !prev) return 0;
  return item;
}

type Compare = (a: unknown, b: unknown) => boolean;

function comparison(fn: Compare, strict: boolean): Operator {
  return { compile: (o) => compileComparison(o, fn, strict), readsRegister: true };
}

function compileComparison(o: Operation, fn: Compare, strict: boolean): Expr {
  const parts = o.compileAll();
  if (parts.length < 2) throw new CompileError(`"${o.op}" needs two or three arguments`);
  const [a, b] = parts as [Expr, Expr];
  const rest = parts.slice(2);
  const register = o.register;
  // `(prev = a) OP (prev = compareCheck(b, prev))`, then `&& prev OP (prev = compareCheck(c, prev))`.
  return (data) => {
    const left = a(data);
    register.prev = left;
    const right = b(data);
    const checked = compareCheck(right, register.prev, strict);
    register.prev = checked;
    if (!fn(left, checked)) return false;
    for (const part of rest) {
      const previous = register.prev;
      const next = part(data);
      const nextChecked = compareCheck(next, register.prev, strict);
      register.prev = nextChecked;
      if (!fn(previous, nextChecked)) return false;
    }
    return true;
  };
}

/** == === != !== < <= > >= */
export const comparisonOperators: OperatorTable = {
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's loose equality is the point
  '==': comparison((a, b) => a == b, false),
  '===': comparison((a, b) => a === b, true),
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's loose inequality is the point
  '!=': comparison((a, b) => a != b, false),
  '!==': comparison((a, b) => a !== b, true),
  '<': comparison((a, b) => (a as number) < (b as number), false),
  '<=': comparison((a, b) => (a as number) <= (b as number), false),
  '>': comparison((a, b) => (a as number) > (b as number), false),
  '>=': comparison((a, b) => (a as number) >= (b as number), false),
};
