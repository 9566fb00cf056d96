import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';

// A Node service on Dials' OFREP server: each evaluation is one request with its own context.
export async function serverSide(baseUrl: string, apiKey: string) {
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl, headers: [['X-API-Key', apiKey]] }));
  const client = OpenFeature.getClient();
  const details = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'user-1', email: 'ann@example.com' });
  await OpenFeature.close();
  return details; // { value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { owner: 'checkout', ... } }
}
