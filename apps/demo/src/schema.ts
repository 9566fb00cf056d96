import { z } from 'zod';

/** The demo's config, one schema per path: values are validated and typed. */
export const schema = {
  'shop/name': z.string().default('Dials Shop'),
  'database/host': z.string(),
  'database/port': z.coerce.number().int().min(1).max(65535),
  'checkout/currency': z.enum(['EUR', 'USD', 'GBP']).default('EUR'),
  'logging/level': z.string().default('info'),
};

/** The demo's flags and their value types. */
export type ShopFlags = { 'new-checkout': boolean; 'checkout-theme': string };
