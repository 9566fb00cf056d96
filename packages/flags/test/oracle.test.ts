import { memorySource } from '@dials/core';
import { FlagdCore } from '@openfeature/flagd-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFlags, flagSetEntries } from '../src/index.js';
import { booleanFlagArb, contextArb, stringFlagArb } from './arbitraries.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const RUNS = Number(process.env.DIALS_ORACLE_RUNS ?? 300);
const CONTEXTS = 20;

/** Load the same flag set into flagd-core and into Dials; evaluate every flag for every context. */
async function compare(
  set: { flags: Record<string, unknown>; $evaluators?: Record<string, unknown> },
  contexts: Record<string, unknown>[],
) {
  const core = new FlagdCore(undefined, quiet);
  core.setConfigurations(JSON.stringify(set));
  const initial = Object.fromEntries([...flagSetEntries(set)].map(([k, v]) => [`/flags/${k}`, v]));
  const flags = createFlags({ source: memorySource({ initial }), prefix: '/flags/' });
  await flags.ready();
  let compared = 0;
  try {
    for (const [key, flag] of Object.entries(set.flags)) {
      const isBoolean = 'true' in (flag as { variants: object }).variants;
      const fallback = isBoolean ? false : 'DEFAULT';
      for (const context of contexts) {
        const expected = isBoolean
          ? core.resolveBooleanEvaluation(key, false, context as never)
          : core.resolveStringEvaluation(key, 'DEFAULT', context as never);
        const actual = flags.resolve(key, fallback, context as never);
        const where = `flag ${key} ${JSON.stringify(flag)} context ${JSON.stringify(context)}`;
        expect({ value: actual.value, variant: actual.variant, reason: actual.reason, errorCode: actual.errorCode }, where).toEqual({
          value: expected.value,
          variant: expected.variant,
          reason: expected.reason,
          errorCode: expected.errorCode,
        });
        // isEnabled has its own fast path: it must agree too.
        if (isBoolean) expect(flags.isEnabled(key, context as never), where).toBe(expected.value === true);
        compared++;
      }
    }
  } finally {
    await flags.close();
  }
  return compared;
}

describe('flagd-core as the oracle', () => {
  it(`returns what flagd-core returns for ${RUNS} random flag sets × ${CONTEXTS} contexts`, async () => {
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.oneof(stringFlagArb, booleanFlagArb), { minKeys: 1, maxKeys: 4 }),
        fc.array(contextArb, { minLength: CONTEXTS, maxLength: CONTEXTS }),
        async (flagsByKey, contexts) => {
          total += await compare({ flags: JSON.parse(JSON.stringify(flagsByKey)) }, contexts);
        },
      ),
      { numRuns: RUNS },
    );
    console.log(`flagd-core oracle: ${total} evaluations compared, all equal`);
    expect(total).toBeGreaterThan(RUNS * CONTEXTS);
  }, 120_000);

  it('agrees on shared rules ($evaluators with $ref), missing flags and type mismatches', async () => {
    const set = {
      flags: {
        'new-checkout': {
          state: 'ENABLED',
          variants: { true: true, false: false },
          defaultVariant: 'false',
          targeting: {
            if: [
              { $ref: 'is-staff' },
              true,
              {
                fractional: [
                  ['true', 10],
                  ['false', 90],
                ],
              },
            ],
          },
        },
        theme: {
          state: 'ENABLED',
          variants: { light: 'light', dark: 'dark' },
          defaultVariant: 'light',
          targeting: { if: [{ $ref: 'is-staff' }, 'dark'] },
        },
        'bad-ref': { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a', targeting: { if: [{ $ref: 'nope' }, 'a'] } },
        'unknown-op': { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a', targeting: { regex_match: [{ var: 'email' }, '.*'] } },
      },
      $evaluators: { 'is-staff': { ends_with: [{ var: 'email' }, '@example.com'] } },
    };
    const contexts = [{ targetingKey: 'u1', email: 'x@example.com' }, { targetingKey: 'u2', email: 'y@other.org' }, {}];
    expect(await compare(set, contexts)).toBe(12);
    const core = new FlagdCore(undefined, quiet);
    core.setConfigurations(JSON.stringify(set));
    const flags = createFlags({
      source: memorySource({ initial: Object.fromEntries([...flagSetEntries(set)].map(([k, v]) => [`/f/${k}`, v])) }),
      prefix: '/f/',
    });
    await flags.ready();
    expect(flags.resolve('missing', 'd')).toMatchObject({
      value: 'd',
      reason: 'ERROR',
      errorCode: core.resolveStringEvaluation('missing', 'd', {}).errorCode,
    });
    expect(flags.resolve('theme', 1)).toMatchObject({
      value: 1,
      reason: 'ERROR',
      errorCode: core.resolveNumberEvaluation('theme', 1, {}).errorCode,
    });
    await flags.close();
  });
});
