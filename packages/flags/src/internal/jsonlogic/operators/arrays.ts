import { EvaluationError } from '../errors.js';
import { register, truthy } from '../runtime.js';
import type { Expr, Operation, Operator, OperatorTable } from '../types.js';

function asList(value: unknown): unknown[] {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  throw new EvaluationError('not an array');
}

/** Run an iterator's mapper as json-logic-engine does: in a function of its own, with its own `prev`. */
function inner(mapper: Expr, item: unknown): unknown {
  const saved = register.prev;
  register.prev = undefined;
  try {
    return mapper(item);
  } finally {
    register.prev = saved;
  }
}

type Iteration = (selector: Expr, mapper: Expr) => Expr;

/** An iterator: the list, then the mapper that runs on each element. */
function iterator(build: Iteration): Operator {
  return { compile: (o) => build(o.compile(o.args[0]), o.compileMapper(o.args[1])), iterates: true };
}

function compileReduce(o: Operation): Expr {
  const selector = o.compile(o.args[0]);
  const mapper = o.compileMapper(o.args[1]);
  const initial = o.args.length > 2 ? o.compile(o.args[2]) : undefined;
  return (data) => {
    const list = asList(selector(data));
    const step = (accumulator: unknown, current: unknown) => inner(mapper, { accumulator, current });
    return initial ? list.reduce(step, initial(data)) : list.reduce(step);
  };
}

function compileMerge(o: Operation): Expr {
  const parts = o.compileAll();
  return (data) => {
    const out: unknown[] = [];
    for (const part of parts) {
      const v = part(data);
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    return out;
  };
}

/** map, filter, some, all, none, reduce, merge */
export const arrayOperators: OperatorTable = {
  map: iterator((selector, mapper) => (data) => asList(selector(data)).map((item) => inner(mapper, item))),
  filter: iterator((selector, mapper) => (data) => asList(selector(data)).filter((item) => truthy(inner(mapper, item)))),
  some: iterator((selector, mapper) => (data) => asList(selector(data)).some((item) => truthy(inner(mapper, item)))),
  none: iterator((selector, mapper) => (data) => !asList(selector(data)).some((item) => truthy(inner(mapper, item)))),
  all: iterator((selector, mapper) => (data) => {
    const value = selector(data);
    register.prev = value;
    // An empty array is false; a missing one (null) is every() of nothing: true.
    if (Array.isArray(value) && value.length === 0) return false;
    return asList(value).every((item) => truthy(inner(mapper, item)));
  }),
  reduce: { compile: compileReduce, iterates: true },
  merge: { compile: compileMerge },
};
