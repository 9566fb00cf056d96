import 'reflect-metadata';
import { type ConfigOf, type EtcdSource, etcdSource } from '@dials/core';
import {
  DIALS,
  DIALS_FLAGS,
  DialsHealthIndicator,
  DialsModule,
  DialsService,
  FeatureFlag,
  FlagsService,
  InjectConfig,
  OnConfigChange,
} from '@dials/nestjs';
import { Controller, Get, type INestApplication, Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const schema = { 'database/host': z.string(), 'database/port': z.coerce.number() };
type ShopConfig = ConfigOf<typeof schema>;

@Injectable()
class ShopService {
  readonly hosts: string[] = [];
  constructor(@InjectConfig() readonly config: ShopConfig) {}

  @OnConfigChange('database/host')
  reconnect(host: string) {
    this.hosts.push(host);
  }
}

@Controller()
class ShopController {
  constructor(
    @Inject(ShopService) private readonly shop: ShopService,
    @Inject(DialsService) private readonly dials: DialsService<typeof schema>,
    @Inject(FlagsService) private readonly flags: FlagsService<{ 'new-checkout': boolean }>,
  ) {}

  @Get('config')
  config() {
    return { injected: this.shop.config.database.host, service: this.dials.get('database/host'), port: this.dials.get('database/port') };
  }

  @FeatureFlag('new-checkout')
  @Get('checkout/new')
  newCheckout() {
    return { checkout: 'new', direct: this.flags.isEnabled('new-checkout', { targetingKey: 'vip' }) };
  }
}

const flag = JSON.stringify({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on'] },
});

describe.each(['forRoot', 'forRootAsync'] as const)('DialsModule.%s in a Nest app on a real HTTP port', (style) => {
  const prefix = uniquePrefix('nest');
  const flagPrefix = uniquePrefix('nest-flags');
  const etcd = rawClient(endpoint);
  let app: INestApplication;
  let url: string;
  let source: EtcdSource;

  beforeAll(async () => {
    await etcd.put(`${prefix}database/host`).value('db-1');
    await etcd.put(`${prefix}database/port`).value('5432');
    await etcd.put(`${flagPrefix}new-checkout`).value(flag);
    source = etcdSource({ endpoints: endpoint });
    const options = {
      source,
      prefix,
      schema,
      app: 'nest-shop',
      flags: {
        prefix: flagPrefix,
        context: (req: unknown) => ({ targetingKey: String((req as { headers: Record<string, string> }).headers['x-user-id'] ?? '') }),
      },
    };
    const dialsModule =
      style === 'forRoot'
        ? DialsModule.forRoot({ ...options, isGlobal: true })
        : DialsModule.forRootAsync({ useFactory: async () => options, isGlobal: true });
    @Module({ imports: [dialsModule], providers: [ShopService], controllers: [ShopController] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await etcd.delete().prefix(prefix);
    await etcd.delete().prefix(flagPrefix);
    etcd.close();
  });

  it('injects live typed config into services and controllers', async () => {
    expect(await (await fetch(`${url}/config`)).json()).toEqual({ injected: 'db-1', service: 'db-1', port: 5432 });
    const dials = app.get(DialsService).dials;
    const changed = until(dials.value$('database/host'), (h) => h === 'db-2');
    await etcd.put(`${prefix}database/host`).value('db-2');
    await changed;
    expect(await (await fetch(`${url}/config`)).json()).toEqual({ injected: 'db-2', service: 'db-2', port: 5432 });
  });

  it('calls @OnConfigChange once per change, with the new value', async () => {
    const shop = app.get(ShopService);
    const dials = app.get(DialsService).dials;
    const before = shop.hosts.length;
    for (const host of ['db-3', 'db-4']) {
      const seen = until(dials.value$('database/host'), (h) => h === host);
      await etcd.put(`${prefix}database/host`).value(host);
      await seen;
    }
    expect(shop.hosts.slice(before)).toEqual(['db-3', 'db-4']);
  });

  it('@FeatureFlag answers 404 when the flag is off for the request', async () => {
    expect((await fetch(`${url}/checkout/new`, { headers: { 'x-user-id': 'guest' } })).status).toBe(404);
    const vip = await fetch(`${url}/checkout/new`, { headers: { 'x-user-id': 'vip' } });
    expect(vip.status).toBe(200);
    expect(await vip.json()).toEqual({ checkout: 'new', direct: true });
  });

  it('DialsHealthIndicator says up, and lists a refused required key while its last good value serves', async () => {
    const health = app.get(DialsHealthIndicator);
    expect(health.isHealthy()).toMatchObject({ dials: { status: 'up', dials: 'ready', refused: [] } });
    const dials = app.get(DialsService).dials;
    const degraded = until(dials.status$, (s) => s === 'degraded');
    await etcd.delete().key(`${prefix}database/port`);
    await degraded;
    expect(health.isHealthy('config')).toMatchObject({
      config: { status: 'up', dials: 'degraded', refused: [{ path: 'database/port', reason: 'deleted', kept: true }] },
    });
    expect(dials.get('database/port')).toBe(5432);
    const ready = until(dials.status$, (s) => s === 'ready');
    await etcd.put(`${prefix}database/port`).value('5432');
    await ready;
  });

  it("reports the flags reader to the fleet under the module's app name, as the config reader", async () => {
    // Reports are written after ready(): wait for the flags reader's.
    await vi.waitFor(
      async () => {
        const reports = Object.values(await etcd.getAll().prefix('/dials/instances/').strings()).filter((v) => v.includes(flagPrefix));
        expect(reports.map((v) => (JSON.parse(v) as { app?: string }).app)).toEqual(['nest-shop']);
      },
      { timeout: 10_000 },
    );
  });

  it('closes every watch on application shutdown', async () => {
    const dials = app.get(DIALS);
    const flags = app.get(DIALS_FLAGS);
    // A watch per prefix (config, flags), and each instance's on /dials/in-progress/ (releases held whole).
    expect(source.watchCount).toBe(4);
    await app.close();
    expect(dials.status).toBe('closed');
    expect(flags.status).toBe('closed');
    expect(source.watchCount).toBe(0);
  });
});
