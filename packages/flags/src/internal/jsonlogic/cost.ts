import { CompileError } from './errors.js';
import { OPERATORS } from './operators/table.js';
import type { CompileLimits } from './types.js';

/** The length assumed for a value that only the context supplies (`{"var": "groups"}`). */
const UNKNOWN_LENGTH = 100;
/** The longest text of a number or a boolean (`-1.2345678901234567e+308`). */
const SCALAR_TEXT = 24;

/** Upper bounds on a value: its length (elements of an array, characters of a string) and its text (`String(value).length`). */
interface Shape {
  readonly size: number;
  readonly text: number;
}

/** A shape, and the steps it takes to compute it. */
interface Estimate extends Shape {
  readonly cost: number;
}

/** What `var` reads inside an iterator's mapper: the element, or `accumulator` and `current` in `reduce`. */
interface Scope {
  readonly element?: Shape;
  readonly accumulator?: Shape;
  readonly current?: Shape;
}

const UNKNOWN: Shape = { size: UNKNOWN_LENGTH, text: UNKNOWN_LENGTH };
const TOP: Scope = {};

function primitive(value: unknown): Shape {
  const text = typeof value === 'string' ? value.length : String(value).length;
  return { size: text, text };
}

/** A literal array, summarised once: huge `in` lists are walked once, not at every step of a `reduce`. */
interface Literal {
  /** The items that are operations, evaluated when the array is. */
  readonly operations: readonly unknown[];
  /** The text of the literal items, with their commas. */
  readonly text: number;
  /** The largest literal item. */
  readonly item: Shape;
}

const literals = new WeakMap<readonly unknown[], Literal>();

function literal(array: readonly unknown[]): Literal {
  let known = literals.get(array);
  if (known === undefined) {
    const operations: unknown[] = [];
    let text = array.length;
    let item = { size: 0, text: 0 };
    for (const value of array) {
      if (value !== null && typeof value === 'object') operations.push(value);
      else {
        const shape = primitive(value);
        text += shape.text;
        if (shape.text > item.text) item = shape;
      }
    }
    known = { operations, text, item };
    literals.set(array, known);
  }
  return known;
}

/**
 * Refuse a targeting tree whose evaluation (or constant folding, at compile time) could take more
 * than `limits.maxCost` steps, or build a string or array longer than `limits.maxValueLength`.
 * A step is a node; an iterating operator (`map`, `filter`, `some`, `all`, `none`, `reduce`) costs
 * its mapper once per element, so nested iteration multiplies: three levels over 1 000-element
 * arrays are 10⁹ steps. `cat` and `merge` also cost the length of what they build, and `reduce`
 * is followed step by step, so an accumulator that grows (doubling with `cat` or `merge` of itself
 * reaches 2²⁷ in 27 steps) is counted as it grows. Refused here, rather than run. The tree's depth
 * is already bounded (`measure`), so the recursion is too.
 */
export function checkCost(logic: unknown, limits: CompileLimits): void {
  const tooCostly = () =>
    new CompileError(
      `targeting could take more than ${limits.maxCost} steps to evaluate (iterating operators over large arrays, nested, or values that grow): refused before it runs (limit maxCost)`,
    );
  const tooLong = (op: string) =>
    new CompileError(
      `targeting could build a value longer than ${limits.maxValueLength} (${op}, e.g. a reduce whose accumulator grows each step): refused before it runs (limit maxValueLength)`,
    );
  const check = (estimate: Estimate): Estimate => {
    if (estimate.cost > limits.maxCost) throw tooCostly();
    return estimate;
  };

  /** The largest element of the array a selector yields. */
  const elementOf = (node: unknown, list: Shape): Shape => {
    if (Array.isArray(node)) {
      const known = literal(node);
      if (known.operations.length === 0) return known.item;
    }
    // An element's text is part of its array's text.
    return { size: list.text + 1, text: list.text };
  };

  const variable = (raw: unknown, scope: Scope): Shape => {
    const path = Array.isArray(raw) ? raw[0] : raw;
    if (typeof path !== 'string' && typeof path !== 'number') return UNKNOWN;
    const [head] = String(path).split('.');
    if (scope.accumulator !== undefined) {
      if (head === 'accumulator') return scope.accumulator;
      if (head === 'current') return scope.current ?? UNKNOWN;
      return UNKNOWN;
    }
    return scope.element ?? UNKNOWN;
  };

  const iterate = (op: string, raw: unknown[], scope: Scope): Estimate => {
    const list = estimate(raw[0], scope);
    const n = list.size;
    const element = elementOf(raw[0], list);
    if (op === 'reduce') {
      const initial = raw.length > 2 ? estimate(raw[2], scope) : { ...element, cost: 0 };
      let cost = 1 + list.cost + initial.cost;
      let accumulator: Shape = initial;
      for (let i = 0; i < n; i++) {
        const step = estimate(raw[1], { accumulator, current: element });
        cost += step.cost;
        if (step.size === accumulator.size && step.text === accumulator.text) {
          // Every further step is the same: the accumulator no longer grows.
          cost += (n - i - 1) * step.cost;
          break;
        }
        check({ cost, size: 0, text: 0 });
        accumulator = step;
      }
      return check({ cost, size: accumulator.size, text: accumulator.text });
    }
    const mapper = estimate(raw[1], { element });
    const cost = 1 + list.cost + n * mapper.cost;
    // map and filter also build an array of up to n elements.
    if (op === 'map') return check({ cost: cost + n, size: n, text: n * (mapper.text + 1) });
    if (op === 'filter') return check({ cost: cost + n, size: n, text: list.text });
    return check({ cost, size: 1, text: SCALAR_TEXT });
  };

  const estimate = (node: unknown, scope: Scope): Estimate => {
    if (node === null || typeof node !== 'object') return { cost: 1, ...primitive(node) };
    if (Array.isArray(node)) {
      const known = literal(node);
      let cost = 1;
      let text = known.text;
      for (const item of known.operations) {
        const value = estimate(item, scope);
        cost += value.cost;
        text += value.text;
      }
      return check({ cost, size: node.length, text });
    }
    const [op] = Object.keys(node);
    const raw = (node as Record<string, unknown>)[op as string];
    if (op === 'var') {
      const { size, text } = variable(raw, scope);
      return { cost: 1, size, text };
    }
    if (OPERATORS.get(op as string)?.iterates && Array.isArray(raw)) return iterate(op as string, raw, scope);
    const args = Array.isArray(raw) ? raw : [raw];
    let cost = 1;
    if (op === 'cat') {
      let text = 0;
      for (const arg of args) {
        const part = estimate(arg, scope);
        cost += part.cost;
        text += part.text;
      }
      if (text > limits.maxValueLength) throw tooLong('cat');
      return check({ cost: cost + text, size: text, text });
    }
    if (op === 'merge') {
      let size = 0;
      let text = 0;
      for (const arg of args) {
        const part = estimate(arg, scope);
        cost += part.cost;
        // A value that is not an array is one element.
        size += arg !== null && typeof arg === 'object' ? part.size : 1;
        text += part.text + 1;
      }
      if (size > limits.maxValueLength) throw tooLong('merge');
      return check({ cost: cost + size, size, text });
    }
    // Anything else yields a scalar or one of its arguments (`if`, `and`, `or`, `substr`, `missing`).
    let size = 1;
    let text = SCALAR_TEXT;
    for (const arg of args) {
      const value = estimate(arg, scope);
      cost += value.cost;
      size = Math.max(size, value.size);
      text = Math.max(text, value.text);
    }
    return check({ cost, size, text });
  };
  estimate(logic, TOP);
}
