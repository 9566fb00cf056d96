import { CompileError, EvaluationError } from '../errors.js';
import * as runtime from '../runtime.js';
import type { Expr, Operation, OperatorTable } from '../types.js';

// Bound here: through vitest's module runner, where the benchmarks run, an imported name is a lookup at every use.
const { constant, precoerce } = runtime;

function number(value: unknown): number {
  return +(precoerce(value) as number);
}

const finish = (result: number) => precoerce(result) as number;

/** A single operand that is not an array: unary plus or minus. */
function unary(o: Operation): Expr | undefined {
  if (Array.isArray(o.raw)) return undefined;
  const value = o.compile(o.raw);
  if (o.op === '+') return (data) => precoerce(+(value(data) as number));
  if (o.op === '-') return (data) => -(precoerce(+(value(data) as number)) as number);
  return undefined;
}

function plus(o: Operation): Expr {
  const single = unary(o);
  if (single) return single;
  const parts = o.compileAll();
  if (parts.length === 0) return constant(0);
  return (data) => {
    let sum = 0;
    for (const part of parts) sum += number(part(data));
    return finish(sum);
  };
}

function times(o: Operation): Expr {
  const parts = o.compileAll();
  if (parts.length === 0) return constant(1);
  return (data) => {
    let product = 1;
    for (const part of parts) product *= number(part(data));
    return finish(product);
  };
}

function minus(o: Operation): Expr {
  const single = unary(o);
  if (single) return single;
  const parts = o.compileAll();
  if (parts.length === 0) throw new CompileError('"-" needs an argument');
  if (parts.length === 1) return (data) => finish(-number((parts[0] as Expr)(data)));
  return (data) => {
    let result = number((parts[0] as Expr)(data));
    for (let i = 1; i < parts.length; i++) result -= number((parts[i] as Expr)(data));
    return finish(result);
  };
}

function divide(o: Operation): Expr {
  const parts = o.compileAll();
  if (parts.length === 0) throw new CompileError('"/" needs an argument');
  const operands = parts.length === 1 ? [constant(1), parts[0] as Expr] : parts;
  return (data) => {
    let result = number((operands[0] as Expr)(data));
    for (let i = 1; i < operands.length; i++) result /= number(number((operands[i] as Expr)(data)) || Number.NaN);
    return finish(result);
  };
}

function modulo(o: Operation): Expr {
  const parts = o.compileAll();
  if (parts.length < 2) throw new CompileError('"%" needs two arguments');
  return (data) => {
    let result = number((parts[0] as Expr)(data));
    for (let i = 1; i < parts.length; i++) result %= number((parts[i] as Expr)(data));
    return finish(result);
  };
}

function minMax(isMin: boolean) {
  return (o: Operation): Expr => {
    const parts = o.compileAll();
    const op = o.op;
    return (data) => {
      if (parts.length === 0) throw new EvaluationError(`${op} needs numbers`);
      const first = parts[0]?.(data);
      if (typeof first !== 'number') throw new EvaluationError(`${op} needs numbers`);
      let best = first;
      for (let i = 1; i < parts.length; i++) {
        const v = (parts[i] as Expr)(data);
        if (typeof v !== 'number') throw new EvaluationError(`${op} needs numbers`);
        if (isMin ? v < best : v > best) best = v;
      }
      return best;
    };
  };
}

/** + - * / % min max */
export const arithmeticOperators: OperatorTable = {
  '+': { compile: plus },
  '-': { compile: minus },
  '*': { compile: times },
  '/': { compile: divide },
  '%': { compile: modulo },
  min: { compile: minMax(true) },
  max: { compile: minMax(false) },
};
