import type { Source } from '@dials/core';
import { createRegistry } from '@dials/discovery';
import type { Flags } from '@dials/flags';
import { DialsProvider } from '@dials/openfeature';
import { OpenFeature } from '@openfeature/server-sdk';
import type { Express, Request, Response } from 'express';

/**
 * The packages the Nest module does not show: the service registers itself (`@dials/discovery`;
 * the registration ends with the process's lease) and answers a flag through the OpenFeature SDK
 * (`@dials/openfeature`).
 */
export async function moreRoutes(express: Express, options: { flags: Flags; registry: Source; port: number }): Promise<void> {
  const registry = createRegistry({ source: options.registry });
  await registry.register('shop', { host: '127.0.0.1', port: options.port, meta: { demo: true } });
  express.get('/instances', async (_req: Request, res: Response) => {
    res.json(await registry.discover('shop'));
  });

  await OpenFeature.setProviderAndWait(new DialsProvider({ flags: options.flags }));
  const client = OpenFeature.getClient('demo');
  express.get('/openfeature/new-checkout', async (req: Request, res: Response) => {
    const context = { targetingKey: req.get('x-user-id') ?? 'anonymous', email: req.get('x-user-email') ?? '' };
    const details = await client.getBooleanDetails('new-checkout', false, context);
    res.json({ value: details.value, variant: details.variant, reason: details.reason });
  });
}
