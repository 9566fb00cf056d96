import { memorySource } from '@dials/core';
import { createFlags } from '@dials/flags';
import { expect, it, vi } from 'vitest';
import { RequestFlags } from '../src/index.js';

it('builds the context lazily, once, and evaluates each flag at most once per request', async () => {
  const flag = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'u1'] }, 'on'] },
  };
  const flags = createFlags({
    source: memorySource({ initial: { '/f/beta': flag, '/f/theme': { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' } } }),
    prefix: '/f/',
  });
  await flags.ready();
  const evaluate = vi.spyOn(flags, 'evaluate');
  const context = vi.fn(() => ({ targetingKey: 'u1' }));
  const request = new RequestFlags(flags, context);
  expect(context).not.toHaveBeenCalled();
  expect(request.isEnabled('beta')).toBe(true);
  expect(request.isEnabled('beta')).toBe(true);
  expect(request.getValue('theme', 'z')).toBe('a');
  expect(request.getValue('theme', 1 as never)).toBe(1); // wrong type: the default
  expect(context).toHaveBeenCalledTimes(1);
  expect(evaluate).toHaveBeenCalledTimes(2); // beta once, theme once
  expect(new RequestFlags(undefined, undefined).evaluate('beta')).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
  await flags.close();
});
