import { checkCost } from './cost.js';
import { CompileError } from './errors.js';
import { OPERATORS } from './operators/table.js';
import { constant } from './runtime.js';
import type { CompileLimits, Expr, FlagScope, Operation, Register } from './types.js';

export const DEFAULT_LIMITS: CompileLimits = { maxDepth: 64, maxNodes: 10_000, maxCost: 1_000_000, maxValueLength: 1_000_000 };

interface State {
  readonly scope: FlagScope;
  readonly limits: CompileLimits;
  nodes: number;
  /** Inside a constant being folded: do not fold again. */
  folding: boolean;
  readonly register: Register;
  /** Whether anything reads the register; if not, `var` need not write it. */
  readonly registerRead: boolean;
}

/** Whether the tree has an operator that reads json-logic-engine's `prev` register (a comparison). */
function usesRegister(logic: unknown): boolean {
  const stack = [logic];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) stack.push(...node);
    else
      for (const [key, value] of Object.entries(node)) {
        if (OPERATORS.get(key)?.readsRegister) return true;
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
  checkCost(logic, limits);
  const state: State = { scope, limits, nodes: 0, folding: false, register: { prev: undefined }, registerRead: usesRegister(logic) };
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

/** Memoised per node, as compile asks at every level (else quadratic); one map per scope. */
const deterministicCache = [new WeakMap<object, boolean>(), new WeakMap<object, boolean>()];

/**
 * Whether a subtree reads nothing from the context, so json-logic-engine evaluates it once at
 * build time. Inside an iterator's mapper, `var` reads the element and counts as deterministic.
 */
function isDeterministic(node: unknown, insideIterator: boolean): boolean {
  if (node === null || typeof node !== 'object') return true;
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
  const operator = OPERATORS.get(op);
  if (operator?.constant) return operator.constant(raw, insideIterator);
  if (operator?.iterates && Array.isArray(raw)) {
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
  const operator = OPERATORS.get(op);
  if (operator === undefined) throw new CompileError(`unknown operator "${op}"`);
  if (top && isDeterministic(node, false) && !state.folding) return fold(node, state, depth, top);
  const raw = (node as Record<string, unknown>)[op];
  const args = Array.isArray(raw) ? raw : [raw];
  return operator.compile({
    op,
    raw,
    args,
    top,
    scope: state.scope,
    register: state.register,
    registerRead: state.registerRead,
    limits: state.limits,
    compile: (arg) => compile(arg, state, depth + 1, top),
    compileAll: () => args.map((arg) => compile(arg, state, depth + 1, top)),
    compileMapper: (arg) => compile(arg, state, depth + 1, false),
  } satisfies Operation);
}

/** A constant operation is evaluated once now, as json-logic-engine does; a failure is the flag's PARSE_ERROR. */
function fold(node: object, state: State, depth: number, top: boolean): Expr {
  state.folding = true;
  try {
    return constant(compile(node, state, depth, top)(undefined));
  } catch (error) {
    throw new CompileError(`constant expression ${JSON.stringify(node).slice(0, 80)} fails: ${String(error)}`);
  } finally {
    state.folding = false;
  }
}
