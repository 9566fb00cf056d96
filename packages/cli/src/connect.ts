import { etcdHttpSource, type Source } from '@dials/core';
import { timeoutOf } from './output.js';
import { readPassword } from './prompt.js';

export interface ConnectionFlags {
  readonly endpoints?: string;
  readonly user?: string;
  readonly password?: string;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly timeout?: string;
}

export interface Connection {
  readonly endpoints: string | undefined;
  readonly auth: { username: string; password: string } | undefined;
  readonly tls: { ca?: string; cert?: string; key?: string } | undefined;
  readonly timeoutMs: number;
}

/** --endpoints/ETCD_ENDPOINTS, --user with --password, DIALS_PASSWORD or (on a terminal) a prompt, and TLS files. */
export async function connection(flags: ConnectionFlags): Promise<Connection> {
  let auth: { username: string; password: string } | undefined;
  if (flags.user) {
    const colon = flags.user.indexOf(':');
    const username = colon === -1 ? flags.user : flags.user.slice(0, colon);
    const password = (colon === -1 ? undefined : flags.user.slice(colon + 1)) ?? flags.password ?? process.env.DIALS_PASSWORD;
    auth = { username, password: password ?? (await readPassword(username)) };
  }
  const tls = flags.cacert || flags.cert || flags.key ? { ca: flags.cacert, cert: flags.cert, key: flags.key } : undefined;
  return { endpoints: flags.endpoints, auth, tls, timeoutMs: timeoutOf(flags.timeout) };
}

/**
 * The source a command runs on: etcd's JSON gateway for one-shot reads and writes (no gRPC client
 * to load), the gRPC client only for what needs a stream (watch, lock, status).
 */
export async function connect(flags: ConnectionFlags, stream: boolean): Promise<Source> {
  const c = await connection(flags);
  if (stream) {
    const { grpcSource } = await import('./connect-grpc.js');
    const source = grpcSource(c);
    await source.connect();
    return source;
  }
  return etcdHttpSource({ endpoints: c.endpoints, auth: c.auth, tls: c.tls, requestTimeoutMs: c.timeoutMs });
}
