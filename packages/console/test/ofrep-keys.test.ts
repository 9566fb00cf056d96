import { userInfo } from 'node:os';
import { memorySource } from '@dials/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOfrepKey, listOfrepKeys } from '../src/ofrep/keys.js';

afterEach(() => vi.unstubAllEnvs());

describe('who made an OFREP key', () => {
  it('without an etcd user or DIALS_AUTHOR, and with no USER (a root shell): the OS account, as releases name their author', async () => {
    vi.stubEnv('DIALS_AUTHOR', undefined);
    vi.stubEnv('USER', undefined);
    vi.stubEnv('USERNAME', undefined);
    const source = memorySource();
    await createOfrepKey(source, 'flags/shop/dev', { label: 'go' });
    expect((await listOfrepKeys(source, 'flags/shop/dev')).map((k) => k.createdBy)).toEqual([userInfo().username]);
  });

  it('DIALS_AUTHOR when it is set', async () => {
    vi.stubEnv('DIALS_AUTHOR', 'ana');
    const source = memorySource();
    await createOfrepKey(source, 'flags/shop/dev');
    expect((await listOfrepKeys(source, 'flags/shop/dev')).map((k) => k.createdBy)).toEqual(['ana']);
  });
});
