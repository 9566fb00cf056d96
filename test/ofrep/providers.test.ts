import type { FlagValue } from '@dials/flags';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { type Client, type JsonValue, OpenFeature } from '@openfeature/server-sdk';
import { type Client as WebClient, ProviderEvents as WebEvents, OpenFeature as WebFeature } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONTEXTS, DEFAULTS, inProcess, type OfrepFixture, type Outcome, outcomeOf, serveOfrep } from './fixture.js';

// The official OpenFeature providers against a real OFREP server on a real etcd: for every flag and
// context, what each gives must be what `flags.evaluate()` gives in-process.
const endpoint = inject('etcdEndpoint');
let f: OfrepFixture;
beforeAll(async () => {
  f = await serveOfrep(endpoint);
});
afterAll(async () => {
  await OpenFeature.close();
  await WebFeature.close();
  await f?.close();
});

type AnyClient = Pick<Client, 'getBooleanDetails' | 'getStringDetails' | 'getNumberDetails' | 'getObjectDetails'>;

/** The typed call an application makes for this default. */
function details(client: AnyClient, flag: string, def: FlagValue, context?: Record<string, string>) {
  if (typeof def === 'boolean') return client.getBooleanDetails(flag, def, context);
  if (typeof def === 'string') return client.getStringDetails(flag, def, context);
  if (typeof def === 'number') return client.getNumberDetails(flag, def, context);
  return client.getObjectDetails(flag, def as JsonValue, context);
}

/** Whether Dials defers to the caller's default here (no variant applies, no error): OFREP's `codeDefaultFlag`. */
const defersToCode = (flag: string, context: Record<string, string>) => {
  const d = f.local.evaluate(flag, context);
  return d.value === undefined && d.errorCode === undefined;
};

describe('the official OpenFeature providers on OFREP', () => {
  it('covers every reason, and both sides of the rollout', () => {
    const outcomes = CONTEXTS.flatMap((c) => Object.keys(DEFAULTS).map((flag) => f.local.evaluate(flag, c)));
    expect(new Set(outcomes.map((o) => o.reason))).toEqual(new Set(['STATIC', 'TARGETING_MATCH', 'DEFAULT', 'DISABLED', 'ERROR']));
    expect(new Set(outcomes.map((o) => o.errorCode))).toEqual(new Set([undefined, 'PARSE_ERROR', 'FLAG_NOT_FOUND']));
    expect(new Set(CONTEXTS.map((c) => f.local.evaluate('search-ranking', c).variant))).toEqual(new Set(['on', 'off']));
  });

  it('@openfeature/ofrep-provider (server SDK, a request per evaluation): the same values, variants, reasons and metadata', async () => {
    await OpenFeature.setProviderAndWait('ofrep', new OFREPProvider({ baseUrl: f.base, headers: [['X-API-Key', f.key]] }));
    const client = OpenFeature.getClient('ofrep');
    const deferred: string[] = [];
    for (const context of CONTEXTS) {
      for (const [flag, def] of Object.entries(DEFAULTS)) {
        const got = outcomeOf(await details(client, flag, def, context));
        const want = inProcess(f.local.evaluate(flag, context), def);
        if (defersToCode(flag, context)) {
          // 0.1.3, the newest on npm, predates code defaults (ADR 0006) and calls the answer malformed:
          // the same value (the caller's default), reported as an error.
          expect(got, `${flag} ${context.targetingKey}`).toMatchObject({ value: def, reason: 'ERROR', errorCode: 'GENERAL' });
          deferred.push(`${flag}:${want.reason}`);
        } else expect(got, `${flag} ${context.targetingKey}`).toEqual(want);
      }
    }
    expect(new Set(deferred)).toEqual(new Set(['old-banner:DISABLED', 'beta-only:DEFAULT']));
  });

  it('@openfeature/ofrep-web-provider (web SDK, static context, bulk): the same for each context, code defaults included', async () => {
    await WebFeature.setContext(CONTEXTS[0] as Record<string, string>);
    await WebFeature.setProviderAndWait(new OFREPWebProvider({ baseUrl: f.base, headers: [['X-API-Key', f.key]], cacheMode: 'disabled' }));
    const client = WebFeature.getClient();
    for (const context of CONTEXTS) {
      await WebFeature.setContext(context); // the provider evaluates every flag again, in one request
      for (const [flag, def] of Object.entries(DEFAULTS)) {
        const got: Outcome = outcomeOf(details(client as unknown as AnyClient, flag, def) as unknown as Outcome);
        const want = inProcess(f.local.evaluate(flag, context), def);
        if (flag === 'missing') {
          // Absent from the bulk answer; the provider reports the flag set's metadata for it.
          expect(got.flagMetadata).toEqual({ namespace: f.namespace, revision: expect.any(Number) });
          got.flagMetadata = want.flagMetadata;
        }
        expect(got, `${flag} ${context.targetingKey}`).toEqual(want);
      }
    }
  });

  it('the web provider polls with If-None-Match (304 while nothing changes) and picks up a change', async () => {
    await WebFeature.setContext(CONTEXTS[0] as Record<string, string>);
    const polling = new OFREPWebProvider({
      baseUrl: f.base,
      headers: [['X-API-Key', f.key]],
      cacheMode: 'disabled',
      changeDetection: 'polling',
      pollInterval: 50,
    });
    const notModified = new Promise<void>((resolve) => {
      const seen = (a: { path: string; status: number }) => {
        if (a.path === '/ofrep/v1/evaluate/flags' && a.status === 304) {
          f.answers.off('answer', seen);
          resolve();
        }
      };
      f.answers.on('answer', seen);
    });
    await WebFeature.setProviderAndWait('polling', polling);
    const client: WebClient = WebFeature.getClient('polling');
    await notModified;
    expect(client.getStringValue('checkout/theme', 'system')).toBe('dark');
    const changed = new Promise<{ flagsChanged?: string[] }>((resolve) =>
      client.addHandler(WebEvents.ConfigurationChanged, (e) => resolve(e ?? {})),
    );
    await f.put('checkout/theme', { state: 'ENABLED', variants: { light: 'light', dark: 'dark' }, defaultVariant: 'light' });
    expect((await changed).flagsChanged).toContain('checkout/theme');
    expect(client.getStringDetails('checkout/theme', 'system')).toMatchObject({ value: 'light', variant: 'light', reason: 'STATIC' });
    await WebFeature.clearProviders();
  });
});
