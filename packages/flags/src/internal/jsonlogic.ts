import { fractional, semVer, startsOrEndsWith } from './flagd-ops.js';

/** A compiled expression: evaluates against the data in scope (the context, or an array element). */
export type Expr = (data: unknown) => unknown;

/** Limits that keep a hostile targeting tree from hanging or overflowing the stack. */
export interface CompileLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
}

export const DEFAULT_LIMITS: CompileLimits = { maxDepth: 64, maxNodes: 10_000 };

/** A targeting tree that cannot be compiled: unknown operator, bad shape, over the limits. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
}

/** Thrown at evaluation for what JsonLogic treats as an error (NaN arithmetic, a bad comparison). */
export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';
}

/**
 * json-logic-engine's compiled code keeps one `prev` variable per function, which `var` and the
 * comparisons assign as they go; a comparison reads it after evaluating its right operand. flagd
 * runs that compiled code, so its answers depend on this register: we keep the same one.
 */
let PREV: unknown;

/** Run an iterator's mapper as json-logic-engine does: in a function of its own, with its own `prev`. */
function inner(mapper: Expr, item: unknown): unknown {
  const saved = PREV;
  PREV = undefined;
  try {
    return mapper(item);
  } finally {
    PREV = saved;
  }
}

const nan = (): never => {
  throw new EvaluationError('NaN');
};

/** JsonLogic truthiness: empty arrays and empty plain objects are false. */
export function truthy(value: unknown): boolean {
  if (!value) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.keys(value).length > 0;
  return true;
}

function precoerce(value: unknown): unknown {
  if (Number.isNaN(value)) nan();
  if (value && typeof value === 'object') nan();
  return value;
}

/** json-logic-engine's compareCheck: which operand pairs compare, and how nulls coerce. */
function compareCheck(item: unknown, prev: unknown, strict: boolean): unknown {
  if (strict || ((typeof item === 'string' || item === null) && (typeof prev === 'string' || prev === null))) return item;
  if (Number.isNaN(+(precoerce(item) as number)) && prev !== null) nan();
  if (Number.isNaN(+(precoerce(prev) as number))) nan();
  if (prev === null && !item) return null;
  if (item === null && !prev) return 0;
  return item;
}

type Compare = (a: never, b: never) => boolean;
const COMPARATORS: Record<string, Compare> = {
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's loose equality is the point
  '==': (a, b) => a == b,
  '===': (a, b) => a === b,
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's loose inequality is the point
  '!=': (a, b) => a != b,
  '!==': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

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

function asList(value: unknown): unknown[] {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  throw new EvaluationError('not an array');
}

/** What the top-level scope knows: the flag's key, for `$flagd.flagKey` and fractional bucketing. */
export interface FlagScope {
  readonly flagKey: string;
}

interface State {
  readonly scope: FlagScope;
  readonly limits: CompileLimits;
  nodes: number;
  /** Inside a constant being folded: do not fold again. */
  folding: boolean;
  /** Whether anything reads the shared `prev` register (a comparison); if not, `var` need not write it. */
  readonly register: boolean;
}

const REGISTER_READERS = new Set(['==', '===', '!=', '!==', '<', '<=', '>', '>=']);

/** Whether the tree has a comparison, the only reader of json-logic-engine's `prev` register. */
function usesRegister(logic: unknown): boolean {
  const stack = [logic];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) stack.push(...node);
    else
      for (const [key, value] of Object.entries(node)) {
        if (REGISTER_READERS.has(key)) return true;
        stack.push(value);
      }
  }
  return false;
}

/**
 * Compile a JsonLogic tree (with flagd's operators) into nested closures, once. Semantics follow
 * json-logic-engine's compiled mode, which flagd's JavaScript core uses, for the operators flagd
 * documents. Throws CompileError for unknown operators, bad shapes and trees over the limits.
 */
export function compileTargeting(logic: unknown, scope: FlagScope, limits: CompileLimits = DEFAULT_LIMITS): Expr {
  measure(logic, limits);
  const state: State = { scope, limits, nodes: 0, folding: false, register: usesRegister(logic) };
  return compile(logic, state, 0, true);
}

/**
 * Check depth and size without recursion, before anything recursive touches the tree: a hostile
 * document 10 000 levels deep is refused here, not by a stack overflow.
 */
export function measure(logic: unknown, limits: CompileLimits): void {
  const stack: [unknown, number][] = [[logic, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (++nodes > limits.maxNodes) throw new CompileError(`targeting has more than ${limits.maxNodes} nodes`);
    if (depth > limits.maxDepth) throw new CompileError(`targeting is nested deeper than ${limits.maxDepth} levels`);
    if (node !== null && typeof node === 'object') {
      // Literals inside a list (`in` over 100 000 user ids) are data, not nodes to compile.
      for (const child of Array.isArray(node) ? node : Object.values(node))
        if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

function constant(value: unknown): Expr {
  return () => value;
}

const NOT_DETERMINISTIC = new Set(['var', 'missing_some', 'fractional', 'sem_ver', 'starts_with', 'ends_with']);
const ITERATORS = new Set(['map', 'filter', 'some', 'all', 'none', 'reduce']);

/**
 * Whether a subtree reads nothing from the context, so json-logic-engine evaluates it once at
 * build time. Inside an iterator's mapper, `var` reads the element and counts as deterministic.
 */
const deterministicCache = [new WeakMap<object, boolean>(), new WeakMap<object, boolean>()];

function isDeterministic(node: unknown, insideIterator: boolean): boolean {
  if (node === null || typeof node !== 'object') return true;
  // Memoised: compile asks at every level, which would otherwise be quadratic.
  const cache = deterministicCache[insideIterator ? 1 : 0] as WeakMap<object, boolean>;
  let known = cache.get(node);
  if (known === undefined) {
    known = computeDeterministic(node, insideIterator);
    cache.set(node, known);
  }
  return known;
}

function computeDeterministic(node: object, insideIterator: boolean): boolean {
  if (Array.isArray(node)) return node.every((n) => isDeterministic(n, insideIterator));
  const keys = Object.keys(node);
  if (keys.length !== 1) return keys.length === 0;
  const op = keys[0] as string;
  const raw = (node as Record<string, unknown>)[op];
  if (op === 'var') return insideIterator && !String(raw).includes('../../');
  if (op === 'missing') return Array.isArray(raw) && raw.length === 0;
  if (NOT_DETERMINISTIC.has(op)) return false;
  if (ITERATORS.has(op) && Array.isArray(raw)) {
    return (
      isDeterministic(raw[0], insideIterator) &&
      isDeterministic(raw[1], true) &&
      (raw.length < 3 || isDeterministic(raw[2], insideIterator))
    );
  }
  return isDeterministic(raw, insideIterator);
}

function compile(node: unknown, state: State, depth: number, top: boolean): Expr {
  if (++state.nodes > state.limits.maxNodes) throw new CompileError(`targeting has more than ${state.limits.maxNodes} nodes`);
  if (depth > state.limits.maxDepth) throw new CompileError(`targeting is nested deeper than ${state.limits.maxDepth} levels`);
  if (node === null || typeof node !== 'object') return constant(node);
  if (Array.isArray(node)) {
    if (node.every((item) => item === null || typeof item !== 'object')) return constant(node);
    const items = node.map((item) => compile(item, state, depth + 1, top));
    if (items.length === 0) return () => [];
    return (data) => items.map((item) => item(data));
  }
  const keys = Object.keys(node);
  if (keys.length === 0) return constant({});
  if (keys.length !== 1) throw new CompileError(`an operation must have exactly one operator, got ${keys.join(', ')}`);
  const op = keys[0] as string;
  const raw = (node as Record<string, unknown>)[op];
  if (top && isDeterministic(node, false) && !state.folding) {
    // Constant: evaluate once now, as json-logic-engine does; a failure is the flag's PARSE_ERROR.
    state.folding = true;
    try {
      const value = compile(node, state, depth, top)(undefined);
      return constant(value);
    } catch (error) {
      throw new CompileError(`constant expression ${JSON.stringify(node).slice(0, 80)} fails: ${String(error)}`);
    } finally {
      state.folding = false;
    }
  }
  const args = Array.isArray(raw) ? raw : [raw];
  const sub = (arg: unknown, nextTop = top) => compile(arg, state, depth + 1, nextTop);
  const all = () => args.map((a) => sub(a));

  switch (op) {
    case 'var':
      return compileVar(raw, state, depth, top);
    case 'missing': {
      const list = sub(raw);
      return (data) => {
        const keysToCheck = list(data);
        return missing(Array.isArray(keysToCheck) ? keysToCheck : [keysToCheck], data);
      };
    }
    case 'missing_some': {
      const [need, options] = [sub(args[0]), sub(args[1])];
      return (data) => {
        const opts = options(data);
        const list = Array.isArray(opts) ? opts : [];
        const absent = missing(list, data);
        PREV = absent;
        return list.length - absent.length >= (need(data) as number) ? [] : absent;
      };
    }
    case '==':
    case '===':
    case '!=':
    case '!==':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(op, all());
    case 'and':
    case 'or': {
      const parts = all();
      if (parts.length === 0) return constant(null);
      const isAnd = op === 'and';
      return (data) => {
        let item: unknown;
        for (const part of parts) {
          item = part(data);
          PREV = item;
          if (truthy(item) !== isAnd) return item;
        }
        return item;
      };
    }
    case '!':
    case '!!': {
      const value = sub(args[0]);
      return op === '!' ? (data) => !truthy(value(data)) : (data) => truthy(value(data));
    }
    case 'if':
    case '?:':
      return compileIf(all(), args);
    case 'in': {
      const [needle, haystack] = [sub(args[0]), sub(args[1])];
      const fixed = args[1];
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
    case 'cat': {
      if (!Array.isArray(raw)) {
        if (typeof raw === 'string') return constant(raw);
        if (typeof raw === 'number') return constant(String(raw));
        const value = sub(raw);
        return (data) => {
          const v = value(data);
          return typeof v === 'string' ? v : String(v);
        };
      }
      const parts = all();
      return (data) => {
        let out = '';
        for (const part of parts) out += part(data);
        return out;
      };
    }
    case 'substr': {
      const [text, from, length] = [sub(args[0]), sub(args[1]), sub(args[2])];
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
    case '+':
    case '*':
    case '-':
    case '/':
    case '%':
      return compileArithmetic(op, raw, all(), sub);
    case 'min':
    case 'max': {
      const parts = all();
      const isMin = op === 'min';
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
    }
    case 'merge': {
      const parts = all();
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
    case 'map':
    case 'filter':
    case 'some':
    case 'all':
    case 'none':
      return compileIteration(op, sub(args[0]), compile(args[1], state, depth + 1, false));
    case 'reduce': {
      const selector = sub(args[0]);
      const mapper = compile(args[1], state, depth + 1, false);
      const initial = args.length > 2 ? sub(args[2]) : undefined;
      return (data) => {
        const list = asList(selector(data));
        const step = (accumulator: unknown, current: unknown) => inner(mapper, { accumulator, current });
        return initial ? list.reduce(step, initial(data)) : list.reduce(step);
      };
    }
    // flagd's operators take an array of arguments; anything else evaluates to null.
    case 'fractional':
      return Array.isArray(raw) ? fractional(raw, all(), state.scope.flagKey, top) : constant(null);
    case 'sem_ver':
      return Array.isArray(raw) ? semVer(raw, all()) : constant(null);
    case 'starts_with':
    case 'ends_with':
      return Array.isArray(raw) ? startsOrEndsWith(op, all(), raw) : constant(null);
    default:
      throw new CompileError(`unknown operator "${op}"`);
  }
}

function compileVar(raw: unknown, state: State, depth: number, top: boolean): Expr {
  let keyNode = raw;
  let fallback: Expr = constant(null);
  if (Array.isArray(raw)) {
    keyNode = raw[0];
    if (raw.length > 1) fallback = compile(raw[1], state, depth + 1, top);
  }
  const finish = state.register
    ? (value: unknown, data: unknown): unknown => {
        const v = value ?? fallback(data);
        PREV = v;
        return typeof v === 'function' ? null : v;
      }
    : (value: unknown, data: unknown): unknown => {
        const v = value ?? fallback(data);
        return typeof v === 'function' ? null : v;
      };
  if (keyNode !== null && typeof keyNode === 'object') {
    const key = compile(keyNode, state, depth + 1, top);
    return (data) => {
      const k = key(data);
      if (k === undefined || k === null || k === '') return data;
      return finish(lookup(data, splitPath(String(k))), data);
    };
  }
  if (keyNode === undefined || keyNode === null || keyNode === '') {
    // The whole context: at the top, as flagd enriches it.
    if (!top) return (data) => data;
    const flagKey = state.scope.flagKey;
    return (data) => ({ ...(data as object), $flagd: { flagKey, timestamp: Math.floor(Date.now() / 1000) } });
  }
  const path = splitPath(String(keyNode));
  if (top && path[0] === '$flagd') {
    // flagd replaces any `$flagd` of the caller's context with its own.
    const flagKey = state.scope.flagKey;
    if (path.length === 1) return () => ({ flagKey, timestamp: Math.floor(Date.now() / 1000) });
    if (path.length === 2 && path[1] === 'flagKey') return (data) => finish(flagKey, data);
    if (path.length === 2 && path[1] === 'timestamp') return () => Math.floor(Date.now() / 1000);
    return (data) => finish(lookup({ flagKey, timestamp: Math.floor(Date.now() / 1000) }, path.slice(1)), data);
  }
  if (path.length === 1) {
    const only = path[0] as string;
    return (data) => finish(data === null || data === undefined ? undefined : (data as Record<string, unknown>)[only], data);
  }
  return (data) => finish(lookup(data, path), data);
}

function compileComparison(op: string, parts: Expr[]): Expr {
  if (parts.length < 2) throw new CompileError(`"${op}" needs two or three arguments`);
  const fn = COMPARATORS[op] as (a: unknown, b: unknown) => boolean;
  const strict = op.length === 3;
  const [a, b] = parts as [Expr, Expr];
  const rest = parts.slice(2);
  // `(prev = a) OP (prev = compareCheck(b, prev))`, then `&& prev OP (prev = compareCheck(c, prev))`.
  return (data) => {
    const left = a(data);
    PREV = left;
    const right = b(data);
    const checked = compareCheck(right, PREV, strict);
    PREV = checked;
    if (!fn(left, checked)) return false;
    for (const part of rest) {
      const previous = PREV;
      const next = part(data);
      const nextChecked = compareCheck(next, PREV, strict);
      PREV = nextChecked;
      if (!fn(previous, nextChecked)) return false;
    }
    return true;
  };
}

function compileIf(parts: Expr[], raw: readonly unknown[] = []): Expr {
  if (parts.length === 0) return constant(null);
  if (parts.length === 1) return parts[0] as Expr;
  // The usual `{"if": [condition, "on", "off"]}`: constant branches need no calls.
  const [, thenValue, elseValue] = raw;
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

function number(value: unknown): number {
  return +(precoerce(value) as number);
}

function compileArithmetic(op: string, raw: unknown, parts: Expr[], sub: (arg: unknown) => Expr): Expr {
  if (!Array.isArray(raw)) {
    // A single operand: unary plus or minus; anything else works on an array value.
    const value = sub(raw);
    if (op === '+') return (data) => precoerce(+(value(data) as number));
    if (op === '-') return (data) => -(precoerce(+(value(data) as number)) as number);
  }
  const finish = (result: number) => precoerce(result) as number;
  switch (op) {
    case '+':
      if (parts.length === 0) return constant(0);
      return (data) => {
        let sum = 0;
        for (const part of parts) sum += number(part(data));
        return finish(sum);
      };
    case '*':
      if (parts.length === 0) return constant(1);
      return (data) => {
        let product = 1;
        for (const part of parts) product *= number(part(data));
        return finish(product);
      };
    case '-':
      if (parts.length === 0) throw new CompileError('"-" needs an argument');
      if (parts.length === 1) return (data) => finish(-number((parts[0] as Expr)(data)));
      return (data) => {
        let result = number((parts[0] as Expr)(data));
        for (let i = 1; i < parts.length; i++) result -= number((parts[i] as Expr)(data));
        return finish(result);
      };
    case '/': {
      if (parts.length === 0) throw new CompileError('"/" needs an argument');
      const operands = parts.length === 1 ? [constant(1), parts[0] as Expr] : parts;
      return (data) => {
        let result = number((operands[0] as Expr)(data));
        for (let i = 1; i < operands.length; i++) result /= number(number((operands[i] as Expr)(data)) || Number.NaN);
        return finish(result);
      };
    }
    default: {
      if (parts.length < 2) throw new CompileError('"%" needs two arguments');
      return (data) => {
        let result = number((parts[0] as Expr)(data));
        for (let i = 1; i < parts.length; i++) result %= number((parts[i] as Expr)(data));
        return finish(result);
      };
    }
  }
}

function compileIteration(op: string, selector: Expr, mapper: Expr): Expr {
  switch (op) {
    case 'map':
      return (data) => asList(selector(data)).map((item) => inner(mapper, item));
    case 'filter':
      return (data) => asList(selector(data)).filter((item) => truthy(inner(mapper, item)));
    case 'some':
      return (data) => asList(selector(data)).some((item) => truthy(inner(mapper, item)));
    case 'none':
      return (data) => !asList(selector(data)).some((item) => truthy(inner(mapper, item)));
    default:
      return (data) => {
        const value = selector(data);
        PREV = value;
        // An empty array is false; a missing one (null) is every() of nothing: true.
        if (Array.isArray(value) && value.length === 0) return false;
        return asList(value).every((item) => truthy(inner(mapper, item)));
      };
  }
}
