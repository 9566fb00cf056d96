import { capability, clusterStatus, isDialsError, memorySource, withLock } from '@dials/core';

export async function capabilities() {
  const source = memorySource(); // transactions, leases and locks in this process; no cluster
  const token = await withLock(source, 'nightly', ({ fencingToken }) => fencingToken); // needs `locks`
  const lease = await capability(source, 'leases', 'my feature').keepAlive(10_000); // or UNSUPPORTED
  await lease.revoke();
  const status = await clusterStatus(source).catch((error: unknown) => (isDialsError(error) ? error.code : error));
  await source.close();
  return { token, status }; // { token: <a revision>, status: 'UNSUPPORTED' }
}
