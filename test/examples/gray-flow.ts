import { advanceGray, createDials, fleetStatus, getGray, listGray, memorySource, promoteGray } from '@dials/core';

export async function grayFlow() {
  const source = memorySource({ initial: { '/config/shop/production/database/pool': 10 } });
  const prefix = '/config/shop/production/'; // its namespace: config/shop/production
  const ns = 'config/shop/production';
  const canary = createDials({ source, prefix, instanceId: 'shop-canary-1', labels: { canary: 'true' }, report: true });
  const stable = createDials({ source, prefix, instanceId: 'shop-1', labels: { canary: 'false' }, report: true });
  await Promise.all([canary.ready(), stable.ready()]);

  // From any Dials instance of the namespace (its prefix names the namespace):
  const release = await stable.publish(
    { 'database/pool': 20 },
    { gray: { labels: { canary: 'true' }, steps: [50, 100] }, message: 'bigger pool on canaries' },
  );
  const id = release.gray?.id as string; // 'g-3f9a12c4'
  // Or with a source and full keys: grayRelease(source, [{ key, after: '20' }], { namespace, gray, message }).

  const step = (await getGray(source, ns, id)).step; // { index: 0, percent: 50 }
  await advanceGray(source, ns, id); // 100 %: every canary; pauseGray and resumeGray alike
  const pools = [canary.get('database/pool'), stable.get('database/pool')]; // [20, 10]
  const listed = (await listGray(source, ns)).map((g) => g.release.id); // [id]
  const on = (await fleetStatus(source, ns)).gray[id]; // ['shop-canary-1'], once the report is written

  await promoteGray(source, ns, id, { author: 'ana', message: 'pool 20 for everyone' });
  // or: await abandonGray(source, ns, id, { author: 'ana' }): the canaries go back to 10 at once.
  const promoted = [canary.get('database/pool'), stable.get('database/pool')]; // [20, 20]
  await Promise.all([canary.close(), stable.close()]);
  return { id, step, pools, listed, on, promoted };
}
