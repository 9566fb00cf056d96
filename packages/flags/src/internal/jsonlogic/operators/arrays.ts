import { EvaluationError } from '../errors.js';
import * as runtime from '../runtime.js';
import type { Expr, Operation, Operator, OperatorTable, Register } from '../types.js';
import { tooLong } from './strings.js';

// Bound here: through vitest's module runner, where the benchmarks run, an imported name is a lookup at every use.
const { truthy } = runtime;

function asList(value: unknown): unknown[] {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  throw new EvaluationError('not an array');
}

/** Run an iterator's mapper as json-logic-engine does: in a function of its own, with its own `prev`. */
function inner(register: Register, mapper: Expr, item: unknown): unknown {
  const saved = register.prev;
  register.prev = undefined;
  try {
    return mapper(item);
  } finally {
    register.prev = saved;
  }
}

type Iteration = (selector: Expr, mapper: Expr, register: Register) => Expr;

/** An iterator: the list, then the mapper that runs on each element. */
function iterator(build: Iteration): Operator {
  return { compile: (o) => build(o.compile(o.args[0]), o.compileMapper(o.args[1]), o.register), iterates: true };
}

function compileReduce(o: Operation): Expr {
  const selector = o.compile(o.args[0]);
  const mapper = o.compileMapper(o.args[1]);
  const initial = o.args.length > 2 ? o.compile(o.args[2]) : undefined;
  const register = o.register;
  return (data) => {
    const list = asList(selector(data));
    const step = (accumulator: unknown, current: unknown) => inner(register, mapper, { accumulator, current });
    return initial ? list.reduce(step, initial(data)) : list.reduce(step);
  };
}

function compileMerge(o: Operation): Expr {
  const parts = o.compileAll();
  const max = o.limits.maxValueLength;
  return (data) => {
    const out: unknown[] = [];
    for (const part of parts) {
      const v = part(data);
      if (!Array.isArray(v)) out.push(v);
      else if (out.length + v.length > max) tooLong('merge', max);
      // Not push(...v): spreading a long array overflows the stack.
      else for (let i = 0; i < v.length; i++) out.push(v[i]);
    }
    if (out.length > max) tooLong('merge', max);
    return out;
  };
}

/** map, filter, some, all, none, reduce, merge */
export const arrayOperators: OperatorTable = {
  map: iterator((selector, mapper, register) => (data) => asList(selector(data)).map((item) => inner(register, mapper, item))),
  filter: iterator(
    (selector, mapper, register) => (data) => asList(selector(data)).filter((item) => truthy(inner(register, mapper, item))),
  ),
  some: iterator((selector, mapper, register) => (data) => asList(selector(data)).some((item) => truthy(inner(register, mapper, item)))),
  none: iterator((selector, mapper, register) => (data) => !asList(selector(data)).some((item) => truthy(inner(register, mapper, item)))),
  all: iterator((selector, mapper, register) => (data) => {
    const value = selector(data);
    register.prev = value;
    // An empty array is false; a missing one (null) is every() of nothing: true.
    if (Array.isArray(value) && value.length === 0) return false;
    return asList(value).every((item) => truthy(inner(register, mapper, item)));
  }),
  reduce: { compile: compileReduce, iterates: true },
  merge: { compile: compileMerge },
};
