import { type EtcdSource, etcdSource } from '@dials/core';

export interface ConnectionFlags {
  readonly endpoints?: string;
  readonly user?: string;
  readonly password?: string;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly timeout?: string;
}

/** An etcd source from --endpoints/ETCD_ENDPOINTS, --user with --password or DIALS_PASSWORD, and TLS files. */
export function connect(flags: ConnectionFlags): EtcdSource {
  let auth: { username: string; password: string } | undefined;
  if (flags.user) {
    const [username, inline] = flags.user.split(':', 2) as [string, string | undefined];
    auth = { username, password: inline ?? flags.password ?? process.env.DIALS_PASSWORD ?? '' };
  }
  const tls = flags.cacert || flags.cert || flags.key ? { ca: flags.cacert, cert: flags.cert, key: flags.key } : undefined;
  const timeoutMs = flags.timeout ? Number(flags.timeout) : 5_000;
  return etcdSource({ endpoints: flags.endpoints, auth, tls, startupTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
}
