import { createDials, etcdSource } from '@dials/core';
import { skip } from 'rxjs';
import { z } from 'zod';

const dials = createDials({
  source: etcdSource({ endpoints: process.env.ETCD_ENDPOINTS ?? '127.0.0.1:2379' }),
  layers: ['/config/shop/base/', '/config/shop/production/'], // later layers win
  schema: {
    'database/host': z.string(),
    'database/port': z.coerce.number().int(), // `etcdctl put .../database/port 5432` reads as 5432
    'logging/level': z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  },
  snapshotFile: '.dials/shop.json', // start from the last known good values if etcd is down
});
await dials.ready();
dials.get('database/port'); // number | undefined, synchronous
dials
  .value$('database/host')
  .pipe(skip(1))
  .subscribe((host) => console.log('reconnect to', host)); // on each change
dials.errors$.subscribe((e) => console.warn(e.message)); // bad values never replace good ones

export { dials };
