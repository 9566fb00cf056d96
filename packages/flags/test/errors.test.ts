import { DialsError, memorySource } from '@dials/core';
import { describe, expect, it } from 'vitest';
import { createFlags, flagSetEntries, validateFlagDefinition } from '../src/index.js';

const good = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

/** The error `fn` throws, which must be a DialsError. */
function thrown(fn: () => unknown): DialsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DialsError);
    return error as DialsError;
  }
  throw new Error('expected a throw');
}

describe('validateFlagDefinition', () => {
  it('accepts a flag that compiles', () => {
    expect(() =>
      validateFlagDefinition('ok', { ...good, targeting: { if: [{ ends_with: [{ var: 'email' }, '@x.org'] }, 'on'] } }),
    ).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'on', 'a flag must be a JSON object'],
    ['an array', [good], 'a flag must be a JSON object'],
    ['a bad state', { ...good, state: 'ON' }, 'state must be ENABLED or DISABLED, got "ON"'],
    ['no variants', { state: 'ENABLED' }, 'variants must be an object'],
    ['a default variant that is not a variant', { ...good, defaultVariant: 'maybe' }, "defaultVariant 'maybe' is not one of the variants"],
    ['an unknown operator', { ...good, targeting: { regex_match: [{ var: 'email' }, '.*'] } }, 'unknown operator "regex_match"'],
    ['an operation with two operators', { ...good, targeting: { var: 'a', cat: ['b'] } }, 'exactly one operator, got var, cat'],
    ['too few arguments', { ...good, targeting: { '==': [{ var: 'a' }] } }, '"==" needs two or three arguments'],
    [
      'a fractional bucket that is not a variant',
      {
        ...good,
        targeting: {
          fractional: [
            ['on', 50],
            ['purple', 50],
          ],
        },
      },
      'fractional bucket "purple" is not one of the variants (on, off)',
    ],
    ['a constant expression that fails', { ...good, targeting: { '%': [1, 0] } }, 'constant expression {"%":[1,0]} fails'],
    [
      'a tree nested too deep',
      { ...good, targeting: JSON.parse(`${'{"!":['.repeat(100)}true${']}'.repeat(100)}`) },
      'nested deeper than 64',
    ],
  ])('refuses %s with a PARSE_ERROR naming the flag', (_what, definition, reason) => {
    const error = thrown(() => validateFlagDefinition('new-checkout', definition));
    expect(error.code).toBe('PARSE_ERROR');
    expect(error.key).toBe('new-checkout');
    expect(error.message).toBe(`Flag 'new-checkout' is invalid: ${error.cause instanceof Error ? error.cause.message : ''}`);
    expect(error.message).toContain(reason);
  });

  it('refuses a $ref cycle in the shared rules', () => {
    const error = thrown(() => validateFlagDefinition('f', { ...good, targeting: { $ref: 'loop' } }, { loop: { '!': { $ref: 'loop' } } }));
    expect(error).toMatchObject({ code: 'PARSE_ERROR', key: 'f' });
    expect(error.message).toContain('$ref expansion is nested deeper than 512 levels');
  });

  it('refuses shared rules that use one another twice over, before expanding them exponentially', () => {
    // r0 → r1 twice → r2 four times → ...: 2^40 copies of r40 if expanded.
    const evaluators = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`r${i}`, { and: [{ $ref: `r${i + 1}` }, { $ref: `r${i + 1}` }] }]),
    );
    const error = thrown(() => validateFlagDefinition('f', { ...good, targeting: { $ref: 'r0' } }, { ...evaluators, r40: { var: 'x' } }));
    expect(error).toMatchObject({ code: 'PARSE_ERROR', key: 'f' });
    expect(error.message).toContain('more than 10000 nodes once its $refs are expanded');
  });

  it('does not count the literals of a shared list against the limit', () => {
    const staff = { in: [{ var: 'targetingKey' }, Array.from({ length: 100_000 }, (_, i) => `user-${i}`)] };
    expect(() => validateFlagDefinition('f', { ...good, targeting: { if: [{ $ref: 'staff' }, 'on'] } }, { staff })).not.toThrow();
  });
});

describe('flagSetEntries', () => {
  it.each<[unknown, string]>([
    [[], 'a flagd flag set must be an object'],
    [{ flag: {} }, 'a flagd flag set needs a "flags" object'],
  ])('refuses %j with a PARSE_ERROR', (document, message) => {
    const error = thrown(() => [...flagSetEntries(document)]);
    expect(error).toMatchObject({ code: 'PARSE_ERROR', message });
  });
});

describe('Flags', () => {
  it('reports a flag that does not compile on errors$ as a PARSE_ERROR with its full key, and never throws from evaluate', async () => {
    const flags = createFlags({
      source: memorySource({ initial: { '/f/bad': JSON.stringify({ ...good, targeting: { nope: [1] } }) } }),
      prefix: '/f/',
    });
    const errors: unknown[] = [];
    flags.errors$.subscribe((e) => errors.push(e));
    await flags.ready();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DialsError);
    expect(errors[0]).toMatchObject({ code: 'PARSE_ERROR', key: '/f/bad' });
    expect((errors[0] as DialsError).message).toContain('unknown operator "nope"');
    expect(flags.evaluate('bad')).toMatchObject({ reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(flags.isEnabled('bad')).toBe(false);
    await flags.close();
  });
});
