import 'reflect-metadata';
import { etcdSource } from '@dials/core';
import { createFlags } from '@dials/flags';
import { DialsProvider } from '@dials/openfeature';
import { Controller, Get, Headers, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OpenFeatureClient, OpenFeatureModule } from '@openfeature/nestjs-sdk';
import {
  type Client,
  type EvaluationDetails,
  type FlagValue,
  type Hook,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
} from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: the STALE test stops it
});
afterAll(async () => {
  await OpenFeature.close();
  await server.destroy();
});

const beta = (state: string) =>
  JSON.stringify({
    state,
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on'] },
  });
const theme = JSON.stringify({
  state: 'ENABLED',
  variants: { light: 'light', dark: 'dark' },
  defaultVariant: 'light',
  metadata: { owner: 'web' },
});

function nextEvent(client: Client, event: ProviderEvents): Promise<unknown> {
  return new Promise((resolve) => {
    const handler = (details: unknown) => {
      client.removeHandler(event, handler);
      resolve(details);
    };
    client.addHandler(event, handler);
  });
}

describe('DialsProvider through the OpenFeature server SDK', () => {
  it('resolves every type with reasons, runs hooks, and emits CONFIGURATION_CHANGED, STALE and READY', async () => {
    const prefix = uniquePrefix('of');
    const etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}beta`).value(beta('ENABLED'));
    await etcd.put(`${prefix}theme`).value(theme);
    await etcd
      .put(`${prefix}limits`)
      .value(JSON.stringify({ state: 'ENABLED', variants: { low: 10, high: { rps: 100 } }, defaultVariant: 'low' }));
    const flags = createFlags({ source: etcdSource({ endpoints: server.endpoint }), prefix });
    await OpenFeature.setProviderAndWait('dials-test', new DialsProvider({ flags, closeFlags: true }));
    const client = OpenFeature.getClient('dials-test');
    expect(client.providerStatus).toBe(ProviderStatus.READY);

    const calls: string[] = [];
    const hook: Hook = {
      before: () => void calls.push('before'),
      after: (_ctx, details: EvaluationDetails<FlagValue>) => void calls.push(`after:${String(details.value)}`),
      finally: () => void calls.push('finally'),
    };
    client.addHooks(hook);

    const yes = await client.getBooleanDetails('beta', false, { targetingKey: 'u1', email: 'a@example.com' });
    expect(yes).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(await client.getBooleanDetails('beta', true, { targetingKey: 'u2', email: 'a@other.org' })).toMatchObject({
      value: false,
      reason: 'DEFAULT',
    });
    expect(await client.getStringDetails('theme', 'x')).toMatchObject({ value: 'light', reason: 'STATIC', flagMetadata: { owner: 'web' } });
    expect(await client.getNumberValue('limits', 0)).toBe(10);
    expect(await client.getStringDetails('missing', 'fallback')).toMatchObject({
      value: 'fallback',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
    expect(await client.getNumberDetails('theme', 7)).toMatchObject({ value: 7, errorCode: 'TYPE_MISMATCH' });
    expect(calls.slice(0, 3)).toEqual(['before', 'after:true', 'finally']);

    const changed = nextEvent(client, ProviderEvents.ConfigurationChanged);
    await etcd.put(`${prefix}beta`).value(beta('DISABLED'));
    expect(await changed).toMatchObject({ flagsChanged: ['beta'] });
    expect(await client.getBooleanDetails('beta', false, { email: 'a@example.com' })).toMatchObject({ value: false, reason: 'DISABLED' });

    const stale = nextEvent(client, ProviderEvents.Stale);
    await server.stop();
    await stale;
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getStringValue('theme', 'x')).toBe('light'); // still served from the snapshot
    const ready = nextEvent(client, ProviderEvents.Ready);
    await server.start();
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    etcd.close();
  });
});

describe('DialsProvider in a NestJS app through @openfeature/nestjs-sdk', () => {
  let app: INestApplication;
  let url: string;

  @Controller()
  class CheckoutController {
    constructor(@OpenFeatureClient() private readonly client: Client) {}

    @Get('checkout')
    async checkout(@Headers('x-user-email') email: string | undefined) {
      const enabled = await this.client.getBooleanValue('beta', false, { targetingKey: email ?? 'anonymous', email: email ?? '' });
      return { checkout: enabled ? 'new' : 'classic' };
    }
  }

  beforeAll(async () => {
    const prefix = uniquePrefix('of-nest');
    const etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}beta`).value(beta('ENABLED'));
    etcd.close();
    const flags = createFlags({ source: etcdSource({ endpoints: server.endpoint }), prefix });
    @Module({
      imports: [OpenFeatureModule.forRoot({ defaultProvider: new DialsProvider({ flags, closeFlags: true }) })],
      controllers: [CheckoutController],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    // OpenFeatureModule sets the provider without waiting for it: wait for READY before serving.
    await new Promise((resolve) => OpenFeature.getClient().addHandler(ProviderEvents.Ready, resolve));
  });
  afterAll(() => app?.close());

  it('gates a route on a flag evaluated with the request context', async () => {
    const staff = await fetch(`${url}/checkout`, { headers: { 'x-user-email': 'a@example.com' } });
    expect(await staff.json()).toEqual({ checkout: 'new' });
    const guest = await fetch(`${url}/checkout`, { headers: { 'x-user-email': 'a@other.org' } });
    expect(await guest.json()).toEqual({ checkout: 'classic' });
  });
});
