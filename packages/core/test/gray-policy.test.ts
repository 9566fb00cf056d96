import { describe, expect, it } from 'vitest';
import { grayRelease } from '../src/delivery/gray.js';
import { abandonGray, listGray, promoteGray } from '../src/delivery/gray-control.js';
import { setPolicy } from '../src/delivery/policy.js';
import { memorySource } from '../src/memory-source.js';

const prefix = '/config/shop/prod/';
const namespace = 'config/shop/prod';
const pool = [{ key: `${prefix}pool`, after: '20' }];

describe('gray releases under a review policy', () => {
  it('a namespace that requires review takes no gray release: refused, naming it, nothing written', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    await setPolicy(source, 'config/shop', { requireApproval: 1 });
    await expect(grayRelease(source, pool, { namespace, gray: { labels: { canary: 'true' } } })).rejects.toMatchObject({
      code: 'APPROVAL_REQUIRED',
      key: `${prefix}pool`,
      message: expect.stringContaining(`${namespace} requires review`),
    });
    expect((await source.list('/dials/gray/')).kvs).toEqual([]);
    expect((await source.list('/dials/releases/')).kvs).toEqual([]);
  });

  it('one started before the policy cannot be promoted past it, and can still be abandoned', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const { gray } = await grayRelease(source, pool, { namespace, gray: { labels: { canary: 'true' } } });
    const id = gray?.id as string;
    await setPolicy(source, namespace, { requireApproval: 1 });
    await expect(promoteGray(source, namespace, id)).rejects.toMatchObject({
      code: 'APPROVAL_REQUIRED',
      message: expect.stringMatching(/^Gray release .* cannot be promoted: .* requires 1 approval .*change request.*dials gray abandon/),
    });
    expect((await source.get(`${prefix}pool`))?.value).toBe('10');
    expect((await listGray(source, namespace)).map((g) => [g.release.id, g.release.state])).toEqual([[id, 'active']]);
    await abandonGray(source, namespace, id);
    expect(await listGray(source, namespace)).toEqual([]);
  });
});
