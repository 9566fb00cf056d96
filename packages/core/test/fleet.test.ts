import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createDials } from '../src/dials.js';
import { fleetStatus } from '../src/fleet/fleet-status.js';
import type { InstanceReport } from '../src/fleet/instance-report.js';
import { memorySource } from '../src/memory-source.js';
import { listReleases } from '../src/releases.js';

const prefix = '/config/shop/prod/';
const readReport = async (source: ReturnType<typeof memorySource>, key: string) => {
  const kv = await source.get(key);
  return kv ? (JSON.parse(kv.value) as InstanceReport) : undefined;
};

describe('the fleet on the memory source', () => {
  it('each instance reports what it runs and refuses, and vanishes when it closes', async () => {
    const source = memorySource({ initial: { [`${prefix}port`]: 5432 } });
    const shop = createDials({
      source,
      prefix,
      app: 'shop',
      report: true,
      labels: { zone: 'eu-1' },
      instanceId: 'shop-1',
      schema: { port: z.coerce.number().int() },
    });
    const billing = createDials({
      source,
      prefix,
      app: 'billing',
      report: true,
      instanceId: 'billing-1',
      schema: { port: z.coerce.number().max(1000) },
    });
    await Promise.all([shop.ready(), billing.ready()]);
    const key = `/dials/instances/config/shop/prod/shop-1`;
    await vi.waitFor(async () => expect((await readReport(source, key))?.status).toBe('ready'));
    expect(await readReport(source, key)).toMatchObject({
      app: 'shop',
      labels: { zone: 'eu-1' },
      prefixes: [prefix],
      pid: process.pid,
      refused: [],
    });

    const fleet = await fleetStatus(source, 'config/shop/prod');
    expect(fleet.instances.map((i) => i.id).sort()).toEqual(['billing-1', 'shop-1']);
    expect(fleet.refused).toEqual([
      {
        key: `${prefix}port`,
        path: 'port',
        reason: 'invalid',
        message: expect.any(String),
        raw: '5432',
        instances: ['billing-1'],
        apps: ['billing'],
      },
    ]);

    // A write that an app's registered schema refuses is refused, naming it; forced, the release says so.
    const writer = createDials({ source, prefix, report: false }); // no schema of its own
    await expect(writer.publish({ port: 'abc' })).rejects.toMatchObject({
      code: 'INVALID_VALUE',
      message: expect.stringContaining('refused by billing, shop'),
    });
    await expect(writer.publish({ port: 2000 })).rejects.toMatchObject({ message: expect.stringContaining('refused by billing:') });
    const forced = await writer.publish({ port: 2000 }, { force: true });
    expect(forced.forced?.refused).toMatchObject([{ key: `${prefix}port`, apps: ['billing'] }]);
    expect((await listReleases(source, 'config/shop/prod'))[0]?.forced).toBeDefined();

    await writer.publish({ port: 800 });
    await writer.close();
    await vi.waitFor(async () => expect((await fleetStatus(source, 'config/shop/prod')).refused).toEqual([]));
    await shop.close();
    expect(await readReport(source, key)).toBeUndefined();
    await billing.close();
  });

  it('a schema that requires a key refuses its delete through any writer', async () => {
    const source = memorySource({ initial: { [`${prefix}host`]: '"db"' } });
    const app = createDials({ source, prefix, app: 'shop', report: true, schema: { host: z.string() } });
    await app.ready();
    await vi.waitFor(async () => expect(await source.get('/dials/schemas/config/shop/prod/shop')).toBeDefined());
    const other = createDials({ source, prefix, report: false });
    await expect(other.publish({ host: undefined })).rejects.toMatchObject({ message: expect.stringContaining('cannot be deleted') });
    await Promise.all([app.close(), other.close()]);
  });
});
