import type { Operator } from '../types.js';
import { arithmeticOperators } from './arithmetic.js';
import { arrayOperators } from './arrays.js';
import { comparisonOperators } from './comparison.js';
import { dataOperators } from './data.js';
import { flagdOperators } from './flagd.js';
import { logicOperators } from './logic.js';
import { stringOperators } from './strings.js';

/**
 * Every operator a targeting tree may use: the JsonLogic operators flagd documents, and flagd's
 * own. A Map, so that `constructor` or `__proto__` is an unknown operator, not Object's.
 */
export const OPERATORS: ReadonlyMap<string, Operator> = new Map(
  [logicOperators, comparisonOperators, arithmeticOperators, dataOperators, stringOperators, arrayOperators, flagdOperators].flatMap(
    (family) => Object.entries(family),
  ),
);
