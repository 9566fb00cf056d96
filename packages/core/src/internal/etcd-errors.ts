import { isBrokenCircuitError } from 'cockatiel';
import {
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCResourceExhastedError,
  isRecoverableError,
} from 'etcd3';
import { DialsError, isDialsError, messageOf } from '../errors.js';

/** Turn an etcd3 or gRPC error into a DialsError naming the endpoint (and key), never a password. */
export function toDialsError(error: unknown, endpoint: string, action: string, key?: string): DialsError {
  if (isDialsError(error)) return error;
  const message = messageOf(error);
  const where = key === undefined ? `etcd at ${endpoint}` : `key ${key} at etcd ${endpoint}`;
  const details = { endpoint, key, cause: error };
  if (error instanceof EtcdAuthenticationFailedError) {
    return new DialsError(
      'AUTH_FAILED',
      `${action} failed: etcd at ${endpoint} refused the user name or password. Check auth.username and auth.password.`,
      details,
    );
  }
  if (error instanceof EtcdPermissionDeniedError) {
    return new DialsError(
      'PERMISSION_DENIED',
      `${action} failed: permission denied on ${where}. Grant the user's role access to this key.`,
      details,
    );
  }
  if (isTlsProblem(message)) {
    return new DialsError(
      'TLS',
      `${action} failed: TLS handshake with etcd at ${endpoint} failed (${message}). Check tls.ca, tls.cert and tls.key.`,
      details,
    );
  }
  if (error instanceof GRPCDeadlineExceededError || /deadline/i.test(message)) {
    return new DialsError('TIMEOUT', `${action} timed out on ${where}: ${message}`, details);
  }
  if (error instanceof GRPCResourceExhastedError || /request is too large|message larger than max/i.test(message)) {
    return new DialsError('TOO_LARGE', `${action} failed on ${where}: over etcd's or gRPC's size limit (${message})`, details);
  }
  if (isBrokenCircuitError(error)) {
    return new DialsError(
      'UNAVAILABLE',
      `${action} failed: etcd at ${endpoint} keeps failing; waiting before trying it again. Is etcd running there?`,
      details,
    );
  }
  if (error instanceof Error && (isRecoverableError(error) || /unavailable|ECONNREFUSED|No connection|connect/i.test(message))) {
    return new DialsError(
      'UNAVAILABLE',
      `${action} failed: cannot reach etcd at ${endpoint} (${message}). Is etcd running there?`,
      details,
    );
  }
  return new DialsError('GENERAL', `${action} failed on ${where}: ${message}`, details);
}

function isTlsProblem(message: string): boolean {
  return /SSL|TLS|certificate|handshake|self.signed|unable to verify/i.test(message);
}

export function isAuthTokenError(error: unknown): boolean {
  return error instanceof EtcdInvalidAuthTokenError || /invalid auth token|auth token is expired/i.test(messageOf(error));
}

export function isFatalStartError(error: DialsError): boolean {
  return error.code === 'AUTH_FAILED' || error.code === 'TLS' || error.code === 'PERMISSION_DENIED';
}
