import { DialsError } from '@dials/core';
import { describe, expect, it } from 'vitest';
import { validateFlagDefinition } from '../src/index.js';
import { compileTargeting } from '../src/internal/jsonlogic/compile.js';
import { arithmeticOperators } from '../src/internal/jsonlogic/operators/arithmetic.js';
import { arrayOperators } from '../src/internal/jsonlogic/operators/arrays.js';
import { comparisonOperators } from '../src/internal/jsonlogic/operators/comparison.js';
import { dataOperators } from '../src/internal/jsonlogic/operators/data.js';
import { flagdOperators } from '../src/internal/jsonlogic/operators/flagd.js';
import { logicOperators } from '../src/internal/jsonlogic/operators/logic.js';
import { stringOperators } from '../src/internal/jsonlogic/operators/strings.js';
import { OPERATORS } from '../src/internal/jsonlogic/operators/table.js';

/** What the compiler's switch handled before the table: flagd's documented JsonLogic and its own operators. */
const SWITCH_OPERATORS = [
  ...['var', 'missing', 'missing_some'],
  ...['==', '===', '!=', '!==', '<', '<=', '>', '>='],
  ...['and', 'or', '!', '!!', 'if', '?:'],
  ...['in', 'cat', 'substr'],
  ...['+', '*', '-', '/', '%', 'min', 'max'],
  ...['merge', 'map', 'filter', 'some', 'all', 'none', 'reduce'],
  ...['fractional', 'sem_ver', 'starts_with', 'ends_with'],
];
const FAMILIES = [logicOperators, comparisonOperators, arithmeticOperators, dataOperators, stringOperators, arrayOperators, flagdOperators];

const run = (logic: unknown, data: unknown = {}) => compileTargeting(logic, { flagKey: 'f' })(data);
const flag = (targeting: unknown) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting });

function parseError(targeting: unknown): DialsError {
  try {
    validateFlagDefinition('my-flag', flag(targeting));
  } catch (error) {
    expect(error).toBeInstanceOf(DialsError);
    return error as DialsError;
  }
  throw new Error('expected a PARSE_ERROR');
}

describe('the operator table', () => {
  it('holds every operator the old switch compiled, and no other', () => {
    expect([...OPERATORS.keys()].sort()).toEqual([...SWITCH_OPERATORS].sort());
  });

  it('has each operator in exactly one family', () => {
    const names = FAMILIES.flatMap((family) => Object.keys(family));
    expect(names).toHaveLength(new Set(names).size);
    expect(names).toHaveLength(OPERATORS.size);
  });

  it('marks the comparisons as the register readers, and the six iterators', () => {
    const having = (property: 'readsRegister' | 'iterates') =>
      [...OPERATORS].filter(([, operator]) => operator[property]).map(([name]) => name);
    expect(having('readsRegister').sort()).toEqual(['!=', '!==', '<', '<=', '==', '===', '>', '>='].sort());
    expect(having('iterates').sort()).toEqual(['all', 'filter', 'map', 'none', 'reduce', 'some']);
  });

  it.each(['regex_match', '??', 'val', 'constructor', 'toString', 'hasOwnProperty', '__proto__'])(
    'refuses the unknown operator %s with a PARSE_ERROR naming it',
    (op) => {
      // Parsed from text, as documents arrive: `__proto__` is then an own key like any other.
      const error = parseError(JSON.parse(`{"if": [{"${op}": [{"var": "email"}, 1]}, "on", "off"]}`));
      expect(error.code).toBe('PARSE_ERROR');
      expect(error.key).toBe('my-flag');
      expect(error.message).toContain(`unknown operator "${op}"`);
    },
  );
});

describe('operators the oracle does not generate', () => {
  const data = { n: 3, s: 'hello', list: [1, 2, 3], tags: ['a', 'b'], user: { tier: 'gold' } };
  it.each<[unknown, unknown]>([
    [{ '?:': [{ var: 'n' }, 'yes', 'no'] }, 'yes'],
    [{ if: [false, 1, { var: 'n' }, 2, 3] }, 2],
    [{ '!!': [{ var: 'tags' }] }, true],
    [{ substr: [{ var: 's' }, 1, 3] }, 'ell'],
    [{ substr: [{ var: 's' }, -3] }, 'llo'],
    [{ substr: [{ var: 's' }, 1, -1] }, 'ell'],
    [{ cat: [{ var: 's' }, ' ', { var: 'n' }] }, 'hello 3'],
    [{ in: ['ell', { var: 's' }] }, true],
    [{ merge: [{ var: 'list' }, 4, [5]] }, [1, 2, 3, 4, 5]],
    [{ map: [{ var: 'list' }, { '*': [{ var: '' }, 2] }] }, [2, 4, 6]],
    [{ reduce: [{ var: 'list' }, { '+': [{ var: 'accumulator' }, { var: 'current' }] }, 10] }, 16],
    [{ min: [{ var: 'n' }, 7, -1] }, -1],
    [{ max: [{ var: 'n' }, 7, -1] }, 7],
    [{ '-': { var: 'n' } }, -3],
    [{ '/': [{ var: 'n' }, 2] }, 1.5],
    [{ missing: ['n', 'user.tier', 'user.plan'] }, ['user.plan']],
    [{ missing_some: [1, ['nope', 's']] }, []],
    [{ missing_some: [2, ['nope', 's']] }, ['nope']],
    [{ var: ['user.plan', 'free'] }, 'free'],
  ])('%j → %j', (logic, expected) => {
    expect(run(logic, data)).toEqual(expected);
  });

  it('folds a constant expression at compile time, and refuses one that fails', () => {
    expect(run({ '+': [1, { '*': [2, 3] }] }, undefined)).toBe(7);
    const error = parseError({ '%': [1, 0] });
    expect(error.message).toContain('constant expression');
  });
});
