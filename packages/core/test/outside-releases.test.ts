import { describe, expect, it } from 'vitest';
import { fleetStatus } from '../src/fleet/fleet-status.js';
import { outsideReleases } from '../src/fleet/outside-releases.js';
import { memorySource } from '../src/memory-source.js';
import { publishKeys } from '../src/publish.js';

describe('keys written outside a release', () => {
  it('lists keys whose last write no release made, with its revision; those releases wrote are not listed', async () => {
    const source = memorySource();
    const seeded = await source.put('/config/shop/prod/seeded', '1'); // before any release: outside
    await publishKeys(
      source,
      Array.from({ length: 5 }, (_, i) => ({ key: `/config/shop/prod/k${i}`, after: String(i) })),
      { namespace: 'config/shop/prod' },
    );
    expect(await outsideReleases(source, 'config/shop/prod')).toEqual([{ key: '/config/shop/prod/seeded', revision: seeded.revision }]);
    const byHand = await source.put('/config/shop/prod/k2', '"by hand"');
    await publishKeys(source, [{ key: '/config/shop/prod/k3', after: '33' }], { namespace: 'config/shop/prod' });
    const fleet = await fleetStatus(source, 'config/shop/prod');
    expect(fleet.outsideReleases).toEqual([
      { key: '/config/shop/prod/k2', revision: byHand.revision },
      { key: '/config/shop/prod/seeded', revision: seeded.revision },
    ]);
    // Fixed by a release: no longer outside.
    await publishKeys(source, [{ key: '/config/shop/prod/k2', after: '2' }], { namespace: 'config/shop/prod' });
    expect((await outsideReleases(source, 'config/shop/prod')).map((o) => o.key)).toEqual(['/config/shop/prod/seeded']);
  });

  it('judges only keys written since the oldest release it read, when there may be older ones', async () => {
    const source = memorySource();
    await source.put('/config/a/old', '1');
    for (let i = 0; i < 3; i++) await publishKeys(source, [{ key: '/config/a/k', after: String(i) }], { namespace: 'config/a' });
    const late = await source.put('/config/a/late', '1');
    expect(await outsideReleases(source, 'config/a', 3)).toEqual([{ key: '/config/a/late', revision: late.revision }]);
    expect((await outsideReleases(source, 'config/a', 4)).map((o) => o.key)).toEqual(['/config/a/late', '/config/a/old']);
  });
});
