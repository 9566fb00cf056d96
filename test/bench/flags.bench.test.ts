import { memorySource } from '@dials/core';
import { createFlags, murmur3 } from '@dials/flags';
import { DialsProvider } from '@dials/openfeature';
import { GrowthBookClient } from '@growthbook/growthbook';
import { integrations, init as launchDarkly } from '@launchdarkly/node-server-sdk';
import { FlagdCore } from '@openfeature/flagd-core';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { Strategy, initialize as unleashInit } from 'unleash-client';
import { afterAll, expect, it } from 'vitest';
import { asyncOpsPerSecond, opsPerSecond, QUICK, record, save } from './measure.js';

const OPS = QUICK ? 20_000 : 2_000_000;
const ASYNC_OPS = QUICK ? 2_000 : 100_000;
const contexts = Array.from({ length: 10_000 }, (_, i) => ({
  targetingKey: `user-${i}`,
  email: i % 3 === 0 ? `u${i}@example.com` : `u${i}@mail.org`,
}));
const ctx = (i: number) => contexts[i % contexts.length] as (typeof contexts)[number];

const flagSet = {
  flags: {
    A: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    B: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] },
    },
    C: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 50],
          ['off', 50],
        ],
      },
    },
  },
};
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

afterAll(() => save('flags'));

it('flag evaluation, side by side', async () => {
  const flags = createFlags({
    source: memorySource({ initial: Object.fromEntries(Object.entries(flagSet.flags).map(([k, v]) => [`/f/${k}`, v])) }),
    prefix: '/f/',
  });
  await flags.ready();
  // The same flags without usage counting: what counting costs on the hot path.
  const uncounted = createFlags({
    source: memorySource({ initial: Object.fromEntries(Object.entries(flagSet.flags).map(([k, v]) => [`/f/${k}`, v])) }),
    prefix: '/f/',
    countUsage: false,
  });
  await uncounted.ready();
  const core = new FlagdCore(undefined, quiet);
  core.setConfigurations(JSON.stringify(flagSet));

  // Plain JavaScript: the limit.
  // Every contender, the limit included, is handed the same rotating context.
  const plainMap = new Map([['A', true]]);
  const plainEnabled = (key: string, _context: unknown) => plainMap.get(key) === true;
  const plain = {
    A: (i: number) => plainEnabled('A', ctx(i)),
    B: (i: number) => ctx(i).email.endsWith('@example.com'),
    C: (i: number) => Math.floor((murmur3(`C${ctx(i).targetingKey}`) * 100) / 4294967296) < 50,
  };

  await OpenFeature.setProviderAndWait('dials', new DialsProvider({ flags }));
  const dialsClient = OpenFeature.getClient('dials');
  const inMemory = new InMemoryProvider({
    A: { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
    B: {
      variants: { on: true, off: false },
      defaultVariant: 'off',
      disabled: false,
      contextEvaluator: (c) => (String(c.email).endsWith('@example.com') ? 'on' : 'off'),
    },
    C: {
      variants: { on: true, off: false },
      defaultVariant: 'off',
      disabled: false,
      contextEvaluator: (c) => (murmur3(`C${c.targetingKey}`) % 2 === 0 ? 'on' : 'off'),
    },
  });
  await OpenFeature.setProviderAndWait('memory', inMemory);
  const memoryClient = OpenFeature.getClient('memory');

  // Unleash with bootstrap data, no network: A default on, B a custom constraint, C gradual rollout 50 %.
  class EndsWith extends Strategy {
    constructor() {
      super('endsWith');
    }
    override isEnabled(_parameters: unknown, context: { properties?: { email?: string } }) {
      return String(context.properties?.email ?? '').endsWith('@example.com');
    }
  }
  const unleash = unleashInit({
    appName: 'bench',
    url: 'http://127.0.0.1:9/unused',
    disableMetrics: true,
    refreshInterval: 0,
    strategies: [new EndsWith()],
    bootstrap: {
      data: [
        { name: 'A', enabled: true, strategies: [{ name: 'default' }] },
        { name: 'B', enabled: true, strategies: [{ name: 'endsWith', parameters: {} }] },
        {
          name: 'C',
          enabled: true,
          strategies: [{ name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'userId', groupId: 'C' } }],
        },
      ] as never,
    },
    storageProvider: { set: async () => {}, get: async () => undefined } as never,
  });
  unleash.on('error', () => {});
  await new Promise<void>((resolve) => (unleash.isSynchronized() ? resolve() : unleash.once('synchronized', () => resolve())));

  const growthbook = new GrowthBookClient({});
  await growthbook.init({
    payload: {
      features: {
        A: { defaultValue: true },
        B: { defaultValue: false, rules: [{ condition: { email: { $regex: '@example\\.com$' } }, force: true }] },
        C: { defaultValue: false, rules: [{ force: true, coverage: 0.5, hashAttribute: 'id' }] },
      },
    },
  });

  const td = new integrations.TestData();
  td.update(td.flag('A').booleanFlag().variationForAll(true));
  td.update(td.flag('B').booleanFlag().ifMatch('email', 'u0@example.com').thenReturn(true).fallthroughVariation(false));
  td.update(td.flag('C').booleanFlag().fallthroughVariation(false));
  const ld = launchDarkly('sdk-key', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await ld.waitForInitialization({ timeout: 10 });

  const results: Record<string, Record<string, number>> = {};
  for (const key of ['A', 'B', 'C'] as const) {
    const group = `flag ${key}`;
    const add = (name: string, values: number[], note?: string) => {
      const figure = record(group, name, 'M evals/s', values, note);
      results[key] = { ...results[key], [name]: figure.median };
    };
    add('plain JavaScript (the limit)', opsPerSecond(plain[key], OPS));
    add(
      'Dials flags.isEnabled',
      opsPerSecond((i) => flags.isEnabled(key, ctx(i)), OPS),
    );
    add(
      'Dials isEnabled, usage counting off',
      opsPerSecond((i) => uncounted.isEnabled(key, ctx(i)), OPS),
    );
    add(
      'Dials flags.evaluate',
      opsPerSecond((i) => flags.evaluate(key, ctx(i)).value, OPS),
    );
    add(
      'flagd-core direct',
      opsPerSecond((i) => core.resolveBooleanEvaluation(key, false, ctx(i)).value, OPS / 10),
    );
    add(
      'GrowthBook',
      opsPerSecond((i) => growthbook.isOn(key, { attributes: { id: ctx(i).targetingKey, email: ctx(i).email } }), OPS / 10),
    );
    add(
      'Unleash (bootstrap)',
      opsPerSecond((i) => unleash.isEnabled(key, { userId: ctx(i).targetingKey, properties: { email: ctx(i).email } }), OPS / 10),
    );
    add(
      'LaunchDarkly (TestData)',
      await asyncOpsPerSecond((i) => ld.variation(key, { kind: 'user', key: ctx(i).targetingKey, email: ctx(i).email }, false), ASYNC_OPS),
    );
    add('Dials through the OpenFeature SDK', await asyncOpsPerSecond((i) => dialsClient.getBooleanValue(key, false, ctx(i)), ASYNC_OPS));
    add('OpenFeature InMemoryProvider', await asyncOpsPerSecond((i) => memoryClient.getBooleanValue(key, false, ctx(i)), ASYNC_OPS));
  }
  for (const key of ['A', 'B', 'C'] as const) {
    const r = results[key] as Record<string, number>;
    console.log(
      `flag ${key}: isEnabled ${r['Dials flags.isEnabled']?.toFixed(2)} M/s = ${((r['Dials flags.isEnabled'] ?? 0) / (r['flagd-core direct'] ?? 1)).toFixed(1)}× flagd-core, ${(((r['Dials flags.isEnabled'] ?? 0) / (r['plain JavaScript (the limit)'] ?? 1)) * 100).toFixed(0)} % of plain JS`,
    );
  }
  expect(Object.keys(results)).toHaveLength(3);
  ld.close();
  unleash.destroy();
  growthbook.destroy();
  await OpenFeature.close();
  await flags.close();
  await uncounted.close();
}, 600_000);
