import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';

/** A key prefix of the test's own, e.g. `/test/<uuid>/`. */
export function uniquePrefix(name = 'test'): string {
  return `/${name}/${randomUUID()}/`;
}

/** A plain etcd3 client for a test's own reads and writes (the "other process"). */
export function rawClient(endpoint: string): Etcd3 {
  return new Etcd3({ hosts: endpoint });
}

/** Delete everything under `prefix` and close the client. */
export async function cleanPrefix(client: Etcd3, prefix: string): Promise<void> {
  await client.delete().prefix(prefix);
}

/** Compact etcd's history up to the current revision; returns that revision. */
export async function compact(client: Etcd3): Promise<number> {
  const { header } = await client.kv.range({ key: Buffer.from('\0') });
  await client.kv.compact({ revision: header.revision, physical: true });
  return Number(header.revision);
}
