import { FLAG_USAGE_PREFIX, memorySource } from '@dials/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFlags } from '../src/index.js';

const rollout = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on', null] },
};
const constant = { state: 'ENABLED', variants: { dark: 'dark' }, defaultVariant: 'dark' };

describe('flag usage', () => {
  it('counts every evaluation by flag, variant and reason, through isEnabled and evaluate, across recompiles', async () => {
    const source = memorySource({ initial: { '/f/beta': rollout, '/f/theme': constant, '/f/off': { ...constant, state: 'DISABLED' } } });
    const flags = createFlags({ source, prefix: '/f/' });
    await flags.ready();
    flags.isEnabled('beta', { targetingKey: 'vip' });
    flags.isEnabled('beta', { targetingKey: 'u1' });
    flags.evaluate('beta', { targetingKey: 'vip' });
    flags.evaluate('theme');
    flags.isEnabled('theme');
    flags.isEnabled('off');
    expect(flags.usage()).toMatchObject({
      beta: { evaluations: 3, variants: { on: 2, off: 1 }, reasons: { TARGETING_MATCH: 2, DEFAULT: 1 }, lastEvaluated: expect.any(String) },
      theme: { evaluations: 2, variants: { dark: 2 }, reasons: { STATIC: 2 } },
      off: { evaluations: 1, variants: {}, reasons: { DISABLED: 1 } },
    });
    await source.put('/f/beta', JSON.stringify({ ...rollout, defaultVariant: 'on' })); // recompiled: counts go on
    flags.isEnabled('beta', { targetingKey: 'u2' });
    expect(flags.usage().beta).toMatchObject({ evaluations: 4, variants: { on: 3, off: 1 } });
    expect([...flags.evaluationCounts()].find((c) => c.flagKey === 'beta' && c.variant === 'on' && c.reason === 'DEFAULT')?.count).toBe(1);
    await flags.close();
  });

  it('lists a flag never evaluated with no evaluations, and counts nothing when countUsage is false', async () => {
    const flags = createFlags({ source: memorySource({ initial: { '/f/beta': rollout } }), prefix: '/f/' });
    await flags.ready();
    expect(flags.usage()).toEqual({ beta: { evaluations: 0, variants: {}, reasons: {} } });
    await flags.close();
    const uncounted = createFlags({ source: memorySource({ initial: { '/f/beta': rollout } }), prefix: '/f/', countUsage: false });
    await uncounted.ready();
    uncounted.isEnabled('beta', { targetingKey: 'vip' });
    expect(uncounted.usage()).toEqual({});
    expect([...uncounted.evaluationCounts()]).toEqual([]);
    await uncounted.close();
  });

  describe('the lasting record of when a flag was last evaluated', () => {
    afterEach(() => vi.useRealTimers());

    it('is written with the usage report, outlives the instance, and is refreshed at most hourly', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
      const source = memorySource({ initial: { '/flags/shop/prod/beta': rollout, '/flags/shop/prod/theme': constant } });
      const flags = createFlags({ source, prefix: '/flags/shop/prod/', report: true, app: 'shop' });
      await flags.ready();
      const key = `${FLAG_USAGE_PREFIX}flags/shop/prod/beta`;
      const record = async () => {
        const kv = await source.get(key);
        return kv && { ...(JSON.parse(kv.value) as { lastEvaluated: string; app: string }), revision: kv.modRevision, lease: kv.lease };
      };
      flags.isEnabled('beta', { targetingKey: 'vip' });
      await vi.advanceTimersByTimeAsync(10_300); // the usage report's interval, then its throttle
      const first = await record();
      // Not bound to the instance's lease (its report is): it outlives the process.
      expect(first).toMatchObject({ app: 'shop', lastEvaluated: expect.any(String), lease: '0' });
      const [report] = (await source.list('/dials/instances/flags/shop/prod/')).kvs;
      expect(report?.lease).not.toBe('0');
      expect(await source.get(`${FLAG_USAGE_PREFIX}flags/shop/prod/theme`)).toBeUndefined(); // never evaluated

      flags.isEnabled('beta', { targetingKey: 'u1' });
      await vi.advanceTimersByTimeAsync(10_300);
      expect((await record())?.revision).toBe(first?.revision); // within the hour: not rewritten

      await vi.advanceTimersByTimeAsync(3_600_000);
      flags.isEnabled('beta', { targetingKey: 'u2' });
      await vi.advanceTimersByTimeAsync(10_300);
      const later = await record();
      expect(later?.revision).toBeGreaterThan(first?.revision ?? Infinity);
      expect(Date.parse(later?.lastEvaluated ?? '')).toBeGreaterThan(Date.parse(first?.lastEvaluated ?? ''));
      await flags.close();
    });
  });
});
