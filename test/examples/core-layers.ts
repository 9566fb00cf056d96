import { createDials, memorySource } from '@dials/core';

export async function layers() {
  const source = memorySource({
    initial: {
      '/config/shop/base/database/host': 'db.internal',
      '/config/shop/base/database/pool': 10,
      '/config/shop/production/database/pool': 50,
    },
  });
  const dials = createDials({ source, layers: ['/config/shop/base/', '/config/shop/production/'] });
  await dials.ready();
  const pool = dials.get('database/pool'); // 50: the later layer wins
  await source.delete('/config/shop/production/database/pool');
  const fallback = dials.get('database/pool'); // 10: the base layer shows through again
  await dials.close();
  return { pool, fallback };
}
