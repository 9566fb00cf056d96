import fc from 'fast-check';

/** Contexts with the attributes the generated targeting reads. */
export const contextArb = fc.record(
  {
    targetingKey: fc.oneof(fc.string({ maxLength: 12 }), fc.uuid()),
    email: fc.oneof(fc.emailAddress(), fc.constantFrom('a@example.com', 'b@example.com', 'x@other.org', '')),
    age: fc.integer({ min: -5, max: 120 }),
    tier: fc.constantFrom('gold', 'silver', 'bronze', 'GOLD', ''),
    version: fc.oneof(
      fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5)).map(([a, b, c]) => `${a}.${b}.${c}`),
      fc.constantFrom('v1.2.3', '1', '1.2', '2.0.0-beta.1', 'not-a-version', '1.2.3.4'),
    ),
    tags: fc.array(fc.constantFrom('a', 'b', 'beta', 'x'), { maxLength: 4 }),
    beta: fc.boolean(),
    score: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.double({ min: -100, max: 100, noNaN: true })),
    nested: fc.record({ country: fc.constantFrom('DE', 'FR', 'US') }),
  },
  { requiredKeys: [] },
);

const numVar = fc.constantFrom({ var: 'age' }, { var: 'score' }, { var: ['missing', 7] }, { var: 'nested.country' });
const strVar = fc.constantFrom(
  { var: 'email' },
  { var: 'tier' },
  { var: 'targetingKey' },
  { var: 'nested.country' },
  { var: '$flagd.flagKey' },
);

const { num } = fc.letrec<{ num: unknown }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -10, max: 130 }),
    numVar,
    fc
      .tuple(fc.constantFrom('+', '-', '*', 'min', 'max'), fc.array(tie('num'), { minLength: 1, maxLength: 3 }))
      .map(([op, args]) => ({ [op]: args })),
    fc.tuple(tie('num'), fc.integer({ min: 1, max: 9 })).map(([a, b]) => ({ '%': [a, b] })),
    fc.tuple(tie('num'), fc.integer({ min: 1, max: 9 })).map(([a, b]) => ({ '/': [a, b] })),
  ),
}));

const strings = fc.constantFrom('gold', 'silver', 'a@example.com', 'DE', '', 'flag-0');
const comparison = fc.oneof(
  fc.tuple(fc.constantFrom('==', '!=', '===', '!==', '<', '<=', '>', '>='), num, num).map(([op, a, b]) => ({ [op]: [a, b] })),
  fc.tuple(fc.constantFrom('<', '<='), num, num, num).map(([op, a, b, c]) => ({ [op]: [a, b, c] })),
  fc.tuple(fc.constantFrom('==', '!=', '===', '!=='), strVar, strings).map(([op, a, b]) => ({ [op]: [a, b] })),
  fc.tuple(strVar, fc.array(strings, { maxLength: 20 })).map(([a, list]) => ({ in: [a, list] })),
  fc.tuple(fc.constantFrom('@', 'example', 'gold'), strVar).map(([needle, hay]) => ({ in: [needle, hay] })),
  fc
    .tuple(fc.constantFrom('starts_with', 'ends_with'), strVar, fc.constantFrom('@example.com', 'go', 'D', ''))
    .map(([op, a, b]) => ({ [op]: [a, b] })),
  fc
    .tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>=', '^', '~'), fc.constantFrom('1.2.3', 'v2.0.0', '1', '0.5', '3.1.4-rc.1'))
    .map(([op, v]) => ({ sem_ver: [{ var: 'version' }, op, v] })),
  fc.constantFrom(
    { var: 'beta' },
    { some: [{ var: 'tags' }, { '==': [{ var: '' }, 'beta'] }] },
    { all: [{ var: 'tags' }, { in: [{ var: '' }, ['a', 'b']] }] },
    { none: [{ var: 'tags' }, { '==': [{ var: '' }, 'x'] }] },
    { missing: ['email', 'nested.country'] },
    { missing_some: [1, ['email', 'age', 'nope']] },
    { filter: [{ var: 'tags' }, { '!=': [{ var: '' }, 'a'] }] },
    { '!': { var: 'tags' } },
  ),
);

const { cond } = fc.letrec<{ cond: unknown }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.tuple(fc.constantFrom('and', 'or'), fc.array(tie('cond'), { minLength: 1, maxLength: 3 })).map(([op, args]) => ({ [op]: args })),
    fc.tuple(fc.constantFrom('!', '!!'), tie('cond')).map(([op, a]) => ({ [op]: [a] })),
  ),
}));

const weights = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 });
const variantNames = ['on', 'off', 'blue', 'green'];
const fractional = fc.oneof(
  weights.map((ws) => ({ fractional: ws.map((w, i) => [variantNames[i], w]) })),
  weights.map((ws) => ({
    fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ...ws.map((w, i) => [variantNames[i], w])],
  })),
  fc.constant({ fractional: [['on'], ['off']] }),
);
const variantExpr = fc.oneof(fc.constantFrom(...variantNames, null, 'missing-variant'), fractional, fc.constant({ cat: ['o', 'n'] }));

/** Targeting for a string flag (variants on/off/blue/green). */
export const stringTargetingArb = fc.oneof(
  fc.tuple(cond, variantExpr, variantExpr).map(([c, a, b]) => ({ if: [c, a, b] })),
  fc.tuple(cond, variantExpr, cond, variantExpr, variantExpr).map(([c1, a, c2, b, d]) => ({ if: [c1, a, c2, b, d] })),
  fractional,
);

/** Targeting for a boolean flag: a condition whose result names the variant ("true"/"false"). */
export const booleanTargetingArb = cond;

export const stringFlagArb = fc.record({
  state: fc.constantFrom('ENABLED', 'ENABLED', 'ENABLED', 'DISABLED'),
  variants: fc.constant({ on: 'ON', off: 'OFF', blue: 'BLUE', green: 'GREEN' }),
  defaultVariant: fc.constantFrom('off', 'on', undefined),
  targeting: fc.option(stringTargetingArb, { nil: undefined }),
});

export const booleanFlagArb = fc.record({
  state: fc.constantFrom('ENABLED', 'ENABLED', 'DISABLED'),
  variants: fc.constant({ true: true, false: false }),
  defaultVariant: fc.constantFrom('false', 'true'),
  targeting: fc.option(booleanTargetingArb, { nil: undefined }),
});
