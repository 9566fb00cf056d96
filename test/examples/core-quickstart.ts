import { createDials, etcdSource } from '@dials/core';
import { z } from 'zod';

export async function quickstart(endpoints: string, prefix: string) {
  const dials = createDials({
    source: etcdSource({ endpoints }),
    prefix, // e.g. '/config/shop/production/'
    schema: {
      'database/host': z.string(),
      'database/port': z.coerce.number().int(), // `etcdctl put <prefix>database/port 5432` reads as 5432
      'logging/level': z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    },
  });
  dials.errors$.subscribe((error) => console.warn(error.message)); // bad values never replace good ones
  await dials.ready();

  const port = dials.get('database/port'); // number | undefined, synchronous
  const host = dials.config.database.host; // the same values as a nested object
  const reconnects = dials.value$('database/host').subscribe((next) => console.log('connect to', next));
  return { dials, port, host, reconnects };
}
