import { etcdSource, type Source } from '@dials/core';
import type { Connection } from './connect.js';

/** The gRPC source, in a module of its own so that only commands that need a stream load etcd3 (see tsup.config.ts). */
export function grpcSource(c: Connection): Source {
  return etcdSource({ endpoints: c.endpoints, auth: c.auth, tls: c.tls, startupTimeoutMs: c.timeoutMs, requestTimeoutMs: c.timeoutMs });
}
