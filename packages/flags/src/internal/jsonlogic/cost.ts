import { CompileError } from './errors.js';
import { OPERATORS } from './operators/table.js';
import type { CompileLimits } from './types.js';

/** The length assumed for an array that only the context supplies (`{"var": "groups"}`). */
const UNKNOWN_LENGTH = 100;

/**
 * The number of elements an expression yields when iterated: a literal array's length; `map` and
 * `filter` at most their selector's; `merge` the sum of its parts; anything else from the context
 * is assumed to hold `UNKNOWN_LENGTH`.
 */
function lengthOf(node: unknown): number {
  if (Array.isArray(node)) return node.length;
  if (node === null || typeof node !== 'object') return 1;
  const [op] = Object.keys(node);
  const raw = (node as Record<string, unknown>)[op as string];
  if ((op === 'map' || op === 'filter') && Array.isArray(raw)) return lengthOf(raw[0]);
  if (op === 'merge') return (Array.isArray(raw) ? raw : [raw]).reduce<number>((sum, part) => sum + lengthOf(part), 0);
  return UNKNOWN_LENGTH;
}

/**
 * Refuse a targeting tree whose evaluation (or constant folding, at compile time) could take more
 * than `limits.maxCost` steps. A step is a node; an iterating operator (`map`, `filter`, `some`,
 * `all`, `none`, `reduce`) costs its mapper once per element, so nested iteration multiplies:
 * three levels over 1 000-element arrays are 10⁹ steps, refused here rather than run. The tree's
 * depth is already bounded (`measure`), so the recursion is too.
 */
export function checkCost(logic: unknown, limits: CompileLimits): void {
  const over = () =>
    new CompileError(
      `targeting could take more than ${limits.maxCost} steps to evaluate (iterating operators over large arrays, nested): refused before it runs`,
    );
  const cost = (node: unknown): number => {
    if (node === null || typeof node !== 'object') return 1;
    let total = 1;
    if (Array.isArray(node)) {
      // Literals in a list are data, as `measure` counts them: `in` over 100 000 ids is one lookup.
      for (const item of node) if (item !== null && typeof item === 'object') total += cost(item);
    } else {
      const [op] = Object.keys(node);
      const raw = (node as Record<string, unknown>)[op as string];
      if (OPERATORS.get(op as string)?.iterates && Array.isArray(raw)) {
        total += cost(raw[0]) + lengthOf(raw[0]) * cost(raw[1]) + (raw.length > 2 ? cost(raw[2]) : 0);
      } else {
        for (const arg of Array.isArray(raw) ? raw : [raw]) total += cost(arg);
      }
    }
    if (total > limits.maxCost) throw over();
    return total;
  };
  cost(logic);
}
