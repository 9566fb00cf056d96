import type { Flags } from '@dials/flags';
import { DialsProvider } from '@dials/openfeature';
import { OpenFeature } from '@openfeature/server-sdk';

export async function withOpenFeature(flags: Flags) {
  await OpenFeature.setProviderAndWait(new DialsProvider({ flags }));
  const client = OpenFeature.getClient();
  const details = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'user-1', email: 'ana@example.com' });
  await OpenFeature.close();
  return details; // { value: true, variant: 'on', reason: 'TARGETING_MATCH', ... }
}
