/**
 * Every use of the `etcd3` client's private internals, in one place. Checked against etcd3 1.1.2,
 * which package.json pins exactly: re-check each function here before moving that pin.
 */
import type { Etcd3, IWatchRequest, IWatchResponse } from 'etcd3';

interface Authenticator {
  getMetadata(): Promise<{ set(key: string, value: string): void }>;
  invalidateMetadata(): void;
}

/** etcd3's authenticator: every call, streams included, is built on the metadata it returns. */
function authenticator(client: Etcd3): Authenticator {
  return (client as unknown as { pool: { authenticator: Authenticator } }).pool.authenticator;
}

/**
 * Add `hasleader=true` to every request's metadata (as etcd's Go client does for watches), so a
 * member that lost its leader refuses requests instead of serving stale data.
 */
export function requireLeader(client: Etcd3): void {
  const auth = authenticator(client);
  const original = auth.getMetadata.bind(auth);
  auth.getMetadata = () =>
    original().then((metadata) => {
      metadata.set('hasleader', 'true');
      return metadata;
    });
}

/** Drop the cached auth token, so the next call authenticates again (it expired). */
export function invalidateToken(client: Etcd3): void {
  authenticator(client).invalidateMetadata();
}

/** The part of grpc-js's duplex watch stream Dials uses (grpc-js is etcd3's dependency, not ours). */
export interface WatchStream {
  write(request: IWatchRequest): boolean;
  cancel(): void;
  on(event: 'data', listener: (res: IWatchResponse) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  removeAllListeners(event: string): this;
}

/** A raw gRPC watch stream of our own, so that Dials, not etcd3's WatchManager, picks the revision it resumes from. */
export async function openWatchStream(client: Etcd3): Promise<WatchStream> {
  return (await client.watchClient.watch()) as unknown as WatchStream;
}
