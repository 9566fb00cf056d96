import { memorySource } from '@dials/core';
import { describe, expect, it } from 'vitest';
import { type CompileLimits, createFlags, validateFlagDefinition } from '../src/index.js';

const flag = (targeting: unknown) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting });
const acc = { var: 'accumulator' };
const steps = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Wrapped so the result is read (`in` flattens a string), behind a `var` so the wrapper itself is not folded. */
const used = (value: unknown) => ({ if: [{ '>': [{ var: 'x' }, 0] }, 'on', { if: [{ in: ['y', value] }, 'off', 'on'] }] });

/** Accumulators that double at each of 27 steps: 2²⁷ characters or elements. */
const doublingBombs = {
  'cat, all literal (folded at compile time)': { reduce: [steps(27), { cat: [acc, acc] }, 'x'] },
  'merge, all literal (folded at compile time)': { reduce: [steps(27), { merge: [acc, acc] }, [1]] },
  'cat, seeded from the context': { reduce: [steps(27), { cat: [acc, acc] }, { var: 'seed' }] },
  'merge, seeded from the context': { reduce: [steps(27), { merge: [acc, acc] }, { var: 'seed' }] },
};

describe('values that grow', () => {
  for (const [name, bomb] of Object.entries(doublingBombs)) {
    it(`refuses a reduce whose accumulator doubles (${name}) at compile time, naming the flag and the limit`, () => {
      const started = performance.now();
      expect(() => validateFlagDefinition('bomb', flag(used(bomb)))).toThrow(
        expect.objectContaining({ code: 'PARSE_ERROR', key: 'bomb', message: expect.stringMatching(/Flag 'bomb'.*limit maxCost/) }),
      );
      // Before the fix, the literal ones took seconds to fold; the others were accepted.
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  }

  it('refuses an accumulator that grows by one element a step over a long list (quadratic copying)', () => {
    const growing = { reduce: [steps(100_000), { merge: [acc, [{ var: 'current' }]] }, []] };
    expect(() => validateFlagDefinition('slow', flag(used(growing)))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('maxCost') }),
    );
  });

  it('names maxValueLength when one value would be too long, though the steps are few', async () => {
    const limits = { maxValueLength: 1_000, maxCost: 1e12 };
    const targeting = used({ reduce: [steps(27), { cat: [acc, acc] }, 'x'] });
    const flags = createFlags({ source: memorySource({ initial: { '/f/big': flag(targeting) } }), prefix: '/f/', limits });
    await flags.ready();
    expect(flags.evaluate('big')).toMatchObject({
      errorCode: 'PARSE_ERROR',
      errorMessage: expect.stringContaining(
        'longer than 1000 (cat, e.g. a reduce whose accumulator grows each step): refused before it runs (limit maxValueLength)',
      ),
    });
    await flags.close();
  });

  it('keeps ordinary reduce, cat and merge compiling', () => {
    for (const targeting of [
      // A sum over a long literal list: the accumulator stays a number.
      { if: [{ '>': [{ reduce: [steps(100_000), { '+': [acc, { var: 'current' }] }, 0] }, 5] }, 'on', 'off'] },
      { if: [{ in: [{ var: 'tier' }, { merge: [steps(50_000), steps(50_000)] }] }, 'on', 'off'] },
      { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ['on', 50], ['off', 50]] },
      { if: [{ in: ['x', { reduce: [{ var: 'groups' }, { cat: [acc, { var: 'current' }] }, ''] }] }, 'on', 'off'] },
    ]) {
      validateFlagDefinition('ok', flag(targeting));
    }
  });
});

describe('the limit on values when flags are evaluated', () => {
  const limits: Partial<CompileLimits> = { maxValueLength: 300 };
  const load = async (targeting: unknown) => {
    const flags = createFlags({ source: memorySource({ initial: { '/f/grow': flag(targeting) } }), prefix: '/f/', limits });
    await flags.ready();
    return flags;
  };

  it('stops a cat of context values past maxValueLength with an error that names it; shorter ones answer', async () => {
    // The compile-time estimate takes a context value as 100 characters: 200, under the limit.
    const flags = await load({ if: [{ '==': [{ cat: [{ var: 's' }, { var: 's' }] }, 'xx'] }, 'on', 'off'] });
    expect(flags.evaluate('grow', { s: 'x' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(flags.evaluate('grow', { s: 'x'.repeat(200) })).toMatchObject({
      reason: 'ERROR',
      errorCode: 'GENERAL',
      errorMessage: expect.stringContaining('cat would build a value longer than 300 (limit maxValueLength)'),
    });
    expect(flags.isEnabled('grow', { s: 'x'.repeat(200) })).toBe(false);
    await flags.close();
  });

  it('stops a merge of context arrays past maxValueLength', async () => {
    const flags = await load({ if: [{ in: [7, { merge: [{ var: 'a' }, { var: 'a' }] }] }, 'on', 'off'] });
    expect(flags.evaluate('grow', { a: [7] })).toMatchObject({ value: true });
    expect(flags.evaluate('grow', { a: steps(200) })).toMatchObject({
      errorCode: 'GENERAL',
      errorMessage: expect.stringContaining('merge would build a value longer than 300 (limit maxValueLength)'),
    });
    await flags.close();
  });
});
