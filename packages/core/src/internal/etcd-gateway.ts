import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DialsError, type DialsErrorCode, messageOf } from '../errors.js';

export interface GatewayOptions {
  readonly endpoints: readonly string[];
  readonly auth?: { readonly username: string; readonly password: string };
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly timeoutMs: number;
}

/** What etcd's JSON gateway answers with on failure: the gRPC status. */
interface GatewayFailure {
  readonly error?: string;
  readonly message?: string;
  readonly code?: number;
}

/** A failure of the connection itself (refused, reset, unknown host): the next endpoint may do. */
class ConnectionFailure extends Error {}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

function isTlsProblem(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO/.test(code) || /SSL|TLS|certificate|handshake/i.test(messageOf(error));
}

/**
 * etcd's JSON gateway (`POST /v3/...` on the client port) over node:http(s): one request per call
 * on kept-alive connections, endpoints tried in order while they cannot be reached, a token from
 * `/v3/auth/authenticate` sent in `Authorization` and renewed once when etcd says it expired.
 * Errors are DialsErrors worded as the gRPC source words them.
 */
export class Gateway {
  readonly description: string;
  private readonly urls: URL[];
  private readonly agent: HttpAgent;
  private token: Promise<string> | undefined;
  /** The endpoint that answered last: tried first next time. */
  private current = 0;

  constructor(private readonly options: GatewayOptions) {
    this.description = options.endpoints.join(',');
    this.urls = options.endpoints.map((e) => new URL(/^https?:\/\//.test(e) ? e : `${options.tls ? 'https' : 'http'}://${e}`));
    const secure = this.urls.some((u) => u.protocol === 'https:');
    const tls = options.tls ?? {};
    this.agent = secure
      ? new HttpsAgent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key })
      : new HttpAgent({ keepAlive: true });
  }

  /** POST `body` to `path`; `action` and `key` are for messages. */
  async call<T>(path: string, body: unknown, action: string, key?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.options.auth && path !== '/v3/auth/authenticate') headers.authorization = await this.authenticate(action);
    try {
      return await this.send<T>(path, body, headers, action, key);
    } catch (error) {
      // A token etcd no longer knows (expired, or etcd restarted): get a new one, once.
      if (!this.options.auth || !(error instanceof DialsError) || !/invalid auth token|auth token is expired/i.test(error.message))
        throw error;
      this.token = undefined;
      headers.authorization = await this.authenticate(action);
      return this.send<T>(path, body, headers, action, key);
    }
  }

  private authenticate(action: string): Promise<string> {
    const auth = this.options.auth as { username: string; password: string };
    this.token ??= this.call<{ token: string }>('/v3/auth/authenticate', { name: auth.username, password: auth.password }, action).then(
      (res) => res.token,
      (error: unknown) => {
        this.token = undefined;
        throw error;
      },
    );
    return this.token;
  }

  private async send<T>(path: string, body: unknown, headers: Record<string, string>, action: string, key?: string): Promise<T> {
    const text = JSON.stringify(body);
    let last: unknown;
    for (let i = 0; i < this.urls.length; i++) {
      const index = (this.current + i) % this.urls.length;
      const url = this.urls[index] as URL;
      try {
        const answer = await this.post(url, path, text, headers);
        this.current = index;
        return this.decode<T>(answer, url, action, key);
      } catch (error) {
        // etcd's TLS port hangs up on plain HTTP without a word.
        if (error instanceof ConnectionFailure && url.protocol === 'http:' && /socket hang up/.test(error.message))
          throw new DialsError(
            'TLS',
            `${action} failed: etcd at ${url.host} hung up on plain HTTP: if it serves TLS, use https://${url.host} and the CA file (tls.ca).`,
            { endpoint: this.description, key, cause: error },
          );
        if (!(error instanceof ConnectionFailure)) throw this.toError(error, url, action, key);
        last = error;
      }
    }
    throw new DialsError(
      'UNAVAILABLE',
      `${action} failed: cannot reach etcd at ${this.description} (${messageOf(last)}). Is etcd running there?`,
      {
        endpoint: this.description,
        key,
        cause: last,
      },
    );
  }

  private post(url: URL, path: string, text: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        new URL(path, url),
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
          timeout: this.options.timeoutMs,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.options.timeoutMs} ms`), { code: 'TIMEOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(error.code && CONNECTION_CODES.has(error.code) && !isTlsProblem(error) ? new ConnectionFailure(error.message) : error),
      );
      req.end(text);
    });
  }

  private decode<T>(answer: { status: number; body: string }, url: URL, action: string, key?: string): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      // Not etcd's JSON: plain HTTP to a TLS port gets Go's "Client sent an HTTP request to an HTTPS server".
      if (/HTTPS server/i.test(answer.body))
        throw new DialsError('TLS', `${action} failed: etcd at ${url.host} serves TLS: use https://${url.host} and the CA file (tls.ca).`, {
          endpoint: this.description,
          key,
        });
      throw new DialsError(
        'GENERAL',
        `${action} failed: ${url.host} answered HTTP ${answer.status}, not etcd's JSON gateway (is it etcd ≥ 3.4?)`,
        {
          endpoint: this.description,
          key,
        },
      );
    }
    if (answer.status === 200) return parsed as T;
    throw this.failure(parsed as GatewayFailure, action, key);
  }

  /** A gRPC status from the gateway as the DialsError the gRPC source would throw. */
  private failure(failure: GatewayFailure, action: string, key?: string): DialsError {
    const message = failure.message ?? failure.error ?? 'unknown error';
    const endpoint = this.description;
    const where = key === undefined ? `etcd at ${endpoint}` : `key ${key} at etcd ${endpoint}`;
    const error = (code: DialsErrorCode, text: string) => new DialsError(code, text, { endpoint, key });
    if (/authentication failed|invalid user ID or password|user name is empty|user name not found/i.test(message))
      return error(
        'AUTH_FAILED',
        `${action} failed: etcd at ${endpoint} refused the user name or password. Check auth.username and auth.password.`,
      );
    if (failure.code === 7 || /permission denied/i.test(message))
      return error('PERMISSION_DENIED', `${action} failed: permission denied on ${where}. Grant the user's role access to this key.`);
    if (failure.code === 4) return error('TIMEOUT', `${action} timed out on ${where}: ${message}`);
    if (failure.code === 8 || /request is too large/i.test(message))
      return error('TOO_LARGE', `${action} failed on ${where}: over etcd's size limit (${message})`);
    if (failure.code === 14)
      return error('UNAVAILABLE', `${action} failed: etcd at ${endpoint} is unavailable (${message}). Is etcd running there?`);
    return error('GENERAL', `${action} failed on ${where}: ${message}`);
  }

  private toError(error: unknown, url: URL, action: string, key?: string): DialsError {
    if (error instanceof DialsError) return error;
    const details = { endpoint: this.description, key, cause: error };
    if (isTlsProblem(error))
      return new DialsError(
        'TLS',
        `${action} failed: TLS handshake with etcd at ${url.host} failed (${messageOf(error)}). Check tls.ca, tls.cert and tls.key.`,
        details,
      );
    if ((error as { code?: unknown }).code === 'TIMEOUT')
      return new DialsError(
        'TIMEOUT',
        `${action} timed out on ${key === undefined ? `etcd at ${url.host}` : `key ${key} at etcd ${url.host}`}: ${messageOf(error)}`,
        details,
      );
    return new DialsError(
      'UNAVAILABLE',
      `${action} failed: cannot reach etcd at ${url.host} (${messageOf(error)}). Is etcd running there?`,
      details,
    );
  }

  close(): void {
    this.agent.destroy();
  }
}
