import { ConsecutiveBreaker, circuitBreaker, handleWhen, retry } from 'cockatiel';
import { type IOptions, isRecoverableError } from 'etcd3';
import type { EtcdSourceOptions } from '../etcd-source.js';
import { pem } from './endpoints.js';

const DEFAULT_GRPC_OPTIONS = {
  // A half-open connection is only noticed by pings; etcd refuses pings more often than every 5 s.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  // grpc-js backs off up to 120 s between reconnects by default; a config client wants to be back soon.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

/** The etcd3 client's options: per-call deadlines, retries across endpoints, auth and TLS. */
export function clientOptions(options: EtcdSourceOptions, endpoints: readonly string[], requestTimeoutMs: number): IOptions {
  const etcdOptions: IOptions = {
    hosts: [...endpoints],
    grpcOptions: { ...DEFAULT_GRPC_OPTIONS, ...options.grpcOptions },
    // Streams (watches) live forever; every unary call gets a deadline.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: Math.max(1, endpoints.length) }),
    },
  };
  if (options.auth) etcdOptions.auth = { username: options.auth.username, password: options.auth.password };
  const tls = options.tls;
  if (tls) {
    // etcd3 wants no root certificate at all (not an empty one) to use the system's CAs.
    etcdOptions.credentials = {
      rootCertificate: pem(tls.ca, 'ca') as Buffer,
      privateKey: pem(tls.key, 'key'),
      certChain: pem(tls.cert, 'cert'),
    };
  }
  return etcdOptions;
}
