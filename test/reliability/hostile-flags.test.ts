import { type DialsError, etcdSource, memorySource } from '@dials/core';
import { createFlags, validateFlagDefinition } from '@dials/flags';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
afterAll(() => etcd.close());

const thousand = Array.from({ length: 1_000 }, (_, i) => i);
const nested = (levels: number, inner: unknown): unknown => (levels === 0 ? inner : { all: [thousand, nested(levels - 1, inner)] });
const flag = (targeting: unknown) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting });
const acc = { var: 'accumulator' };
const steps27 = Array.from({ length: 27 }, (_, i) => i);
/** A reduce whose accumulator doubles at each of 27 steps (2²⁷), its result read by `in`; the literal ones fold at compile time. */
const doubled = (reduce: unknown) => flag({ if: [{ '>': [{ var: 'x' }, 0] }, 'on', { if: [{ in: ['y', { reduce }] }, 'off', 'on'] }] });
const doublingBombs = {
  'cat-literal': doubled([steps27, { cat: [acc, acc] }, 'x']),
  'merge-literal': doubled([steps27, { merge: [acc, acc] }, [1]]),
  'cat-seeded': doubled([steps27, { cat: [acc, acc] }, { var: 'seed' }]),
  'merge-seeded': doubled([steps27, { merge: [acc, acc] }, { var: 'seed' }]),
};
const good = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
/** `$evaluators` where each rule `or`s the previous one twice: 2^40 nodes once expanded. */
const doubling = Object.fromEntries(
  Array.from({ length: 40 }, (_, i) => [
    `r${i}`,
    i === 0 ? { '==': [{ var: 'x' }, 1] } : { or: [{ $ref: `r${i - 1}` }, { $ref: `r${i - 1}` }] },
  ]),
);

describe('one flag document cannot stop the fleet', () => {
  it('refuses, at compile time, nested iteration over literal arrays (folded or not) and exponential $ref expansion, naming the flag and the limit', () => {
    for (const targeting of [
      nested(3, { '>=': [{ var: '' }, 0] }),
      nested(4, true),
      { if: [nested(3, { var: 'targetingKey' }), 'on', 'off'] },
    ]) {
      expect(() => validateFlagDefinition('hog', flag(targeting))).toThrow(
        expect.objectContaining({ code: 'PARSE_ERROR', key: 'hog', message: expect.stringContaining('1000000 steps') }),
      );
    }
    expect(() => validateFlagDefinition('bomb', flag({ $ref: 'r39' }), doubling)).toThrow(
      expect.objectContaining({ code: 'PARSE_ERROR', key: 'bomb' }),
    );
    // A normal rule over context arrays still compiles.
    validateFlagDefinition('ok', flag({ if: [{ some: [{ var: 'groups' }, { in: [{ var: '' }, ['staff', 'beta']] }] }, 'on', 'off'] }));
  });

  it('written with etcdctl under a running app, is refused while the other flags keep answering; a restart is ready again', async () => {
    const prefix = uniquePrefix('hostile-flags');
    await etcd.put(`${prefix}good`).value(JSON.stringify(good));
    const flags = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix });
    await flags.ready();
    // Both awaited from before the writes: errors$ is hot, and the second may come while the first is awaited.
    const refused = until(flags.errors$, (e: DialsError) => e.code === 'PARSE_ERROR' && e.key === `${prefix}hog`);
    const bombed = until(flags.errors$, (e: DialsError) => e.key === `${prefix}bomb`);
    await etcd.put(`${prefix}hog`).value(JSON.stringify(flag(nested(4, true))));
    await etcd.put(`${prefix}$evaluators`).value(JSON.stringify(doubling));
    await etcd.put(`${prefix}bomb`).value(JSON.stringify(flag({ $ref: 'r39' })));
    expect((await refused).message).toContain('steps');
    await bombed;
    // Before the budget, the first of these never finished compiling: this test would time out.
    expect(flags.isEnabled('good')).toBe(true);
    expect(flags.evaluate('hog')).toMatchObject({ reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    await flags.close();
    // A restart compiles everything again: it refuses the same two and is ready.
    const again = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix });
    await again.ready();
    expect(again.isEnabled('good')).toBe(true);
    await again.close();
    await etcd.delete().prefix(prefix);
  });

  it('refuses reduce accumulators that double (cat and merge, literal and seeded from the context) written under a running app', async () => {
    const prefix = uniquePrefix('hostile-flags');
    await etcd.put(`${prefix}good`).value(JSON.stringify(good));
    const flags = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix });
    await flags.ready();
    const names = Object.keys(doublingBombs);
    const refused = names.map((name) => until(flags.errors$, (e: DialsError) => e.code === 'PARSE_ERROR' && e.key === `${prefix}${name}`));
    for (const [name, document] of Object.entries(doublingBombs)) await etcd.put(`${prefix}${name}`).value(JSON.stringify(document));
    // Before the fix each literal one took seconds to fold, and the seeded ones compiled (3 s and 340 MB per evaluate).
    for (const error of await Promise.all(refused)) expect(error.message).toContain('limit maxCost');
    for (const name of names) {
      expect(flags.evaluate(name, { x: 0, seed: 'ab' }), name).toMatchObject({ reason: 'ERROR', errorCode: 'PARSE_ERROR' });
      expect(flags.evaluate(name).errorMessage, name).toContain('maxCost');
    }
    expect(flags.isEnabled('good')).toBe(true);
    await flags.close();
    const again = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix });
    await again.ready();
    for (const name of names) expect(again.evaluate(name, { x: 0, seed: 'ab' }).errorCode, name).toBe('PARSE_ERROR');
    expect(again.isEnabled('good')).toBe(true);
    await again.close();
    await etcd.delete().prefix(prefix);
  });

  it('keeps the flagd format of real flags compiling', async () => {
    const flags = createFlags({
      source: memorySource({
        initial: {
          '/f/a': flag({
            fractional: [
              ['on', 50],
              ['off', 50],
            ],
          }),
        },
      }),
      prefix: '/f/',
    });
    await flags.ready();
    expect(flags.evaluate('a', { targetingKey: 'u1' }).reason).toBe('TARGETING_MATCH');
    await flags.close();
  });
});
