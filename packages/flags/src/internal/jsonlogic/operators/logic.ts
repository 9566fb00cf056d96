import * as runtime from '../runtime.js';
import type { Expr, Operation, OperatorTable } from '../types.js';

// Bound here: through vitest's module runner, where the benchmarks run, an imported name is a lookup at every use.
const { constant, truthy } = runtime;

/** `and` / `or`: the first operand that decides, else the last; each one lands in the register. */
function andOr(isAnd: boolean) {
  return (o: Operation): Expr => {
    const parts = o.compileAll();
    if (parts.length === 0) return constant(null);
    const register = o.register;
    return (data) => {
      let item: unknown;
      for (const part of parts) {
        item = part(data);
        register.prev = item;
        if (truthy(item) !== isAnd) return item;
      }
      return item;
    };
  };
}

function compileIf(o: Operation): Expr {
  const parts = o.compileAll();
  if (parts.length === 0) return constant(null);
  if (parts.length === 1) return parts[0] as Expr;
  // The usual `{"if": [condition, "on", "off"]}`: constant branches need no calls.
  const [, thenValue, elseValue] = o.args;
  if (
    parts.length === 3 &&
    (thenValue === null || typeof thenValue !== 'object') &&
    (elseValue === null || typeof elseValue !== 'object')
  ) {
    const condition = parts[0] as Expr;
    return (data) => {
      const c = condition(data);
      return c === true || (c !== false && truthy(c)) ? thenValue : elseValue;
    };
  }
  const branches = [...parts];
  if (branches.length % 2 !== 1) branches.push(constant(null));
  const otherwise = branches.pop() as Expr;
  return (data) => {
    for (let i = 0; i < branches.length; i += 2) {
      if (truthy((branches[i] as Expr)(data))) return (branches[i + 1] as Expr)(data);
    }
    return otherwise(data);
  };
}

/** and, or, !, !!, if, ?: */
export const logicOperators: OperatorTable = {
  and: { compile: andOr(true) },
  or: { compile: andOr(false) },
  '!': {
    compile: (o) => {
      const value = o.compile(o.args[0]);
      return (data) => !truthy(value(data));
    },
  },
  '!!': {
    compile: (o) => {
      const value = o.compile(o.args[0]);
      return (data) => truthy(value(data));
    },
  },
  if: { compile: compileIf },
  '?:': { compile: compileIf },
};
