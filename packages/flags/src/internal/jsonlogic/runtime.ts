import { EvaluationError } from './errors.js';
import type { Expr } from './types.js';

/** An expression that always returns `value`. */
export function constant(value: unknown): Expr {
  return () => value;
}

/** JsonLogic truthiness: empty arrays and empty plain objects are false. */
export function truthy(value: unknown): boolean {
  if (!value) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.keys(value).length > 0;
  return true;
}

export function nan(): never {
  throw new EvaluationError('NaN');
}

/** json-logic-engine's check before arithmetic and loose comparison: NaN and objects are errors. */
export function precoerce(value: unknown): unknown {
  if (Number.isNaN(value)) nan();
  if (value && typeof value === 'object') nan();
  return value;
}
