import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Source } from '@dials/core';

/** One browser's session: its etcd connection (its user's credentials) and its CSRF token. */
export interface ConsoleSession {
  readonly id: string;
  /** The etcd user, or null without login. */
  readonly user: string | null;
  readonly source: Source;
  /** The flags source (the same as `source` on etcd; the demo reads flags from a file of their own). */
  readonly flagsSource: Source;
  readonly csrfToken: string;
  /** Whether closing the session closes its sources (its own etcd connection). */
  readonly owned: boolean;
  /** The user's etcd roles grant no write anywhere: the UI shows no edit controls (etcd refuses writes anyway). */
  readonly readOnly: boolean;
  lastSeen: number;
}

const COOKIE = 'dials_session';
/** Sessions idle this long are closed, with their etcd connection. */
const IDLE_MS = 8 * 3_600_000;

/**
 * Sessions in memory, named by a random id in a signed, HttpOnly, SameSite=Strict cookie. The
 * browser holds no credentials: only the cookie, and the CSRF token it must send back on writes.
 */
export class Sessions {
  private readonly byId = new Map<string, ConsoleSession>();
  private readonly secret: Buffer;
  private readonly sweep: ReturnType<typeof setInterval>;

  constructor(
    secret: string | undefined,
    private readonly secure: boolean,
    private readonly path: string,
  ) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
    this.sweep = setInterval(() => this.closeIdle(), 60_000);
    this.sweep.unref?.();
  }

  create(user: string | null, source: Source, flagsSource: Source, owned: boolean, readOnly = false): ConsoleSession {
    const session: ConsoleSession = {
      id: randomBytes(24).toString('base64url'),
      user,
      source,
      flagsSource,
      csrfToken: randomBytes(24).toString('base64url'),
      owned,
      readOnly,
      lastSeen: Date.now(),
    };
    this.byId.set(session.id, session);
    return session;
  }

  /** The session named by the request's cookie, if its signature holds and it is still open. */
  fromCookie(header: string | undefined): ConsoleSession | undefined {
    const raw = header
      ?.split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1);
    if (!raw) return undefined;
    const [id, signature] = raw.split('.');
    if (!id || !signature) return undefined;
    const expected = this.sign(id);
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const session = this.byId.get(id);
    if (session) session.lastSeen = Date.now();
    return session;
  }

  /** The `Set-Cookie` header that names `session`. */
  cookie(session: ConsoleSession): string {
    const attributes = [`Path=${this.path}`, 'HttpOnly', 'SameSite=Strict', ...(this.secure ? ['Secure'] : [])];
    return `${COOKIE}=${session.id}.${this.sign(session.id).toString()}; ${attributes.join('; ')}`;
  }

  /** The `Set-Cookie` header that forgets the session. */
  clearCookie(): string {
    return `${COOKIE}=; Path=${this.path}; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** Whether `token` is the session's CSRF token (constant time). */
  checkCsrf(session: ConsoleSession, token: string | undefined): boolean {
    if (!token) return false;
    const a = Buffer.from(token);
    const b = Buffer.from(session.csrfToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async end(session: ConsoleSession): Promise<void> {
    this.byId.delete(session.id);
    if (session.owned)
      await Promise.all([session.source.close(), session.flagsSource !== session.source ? session.flagsSource.close() : undefined]);
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    await Promise.all([...this.byId.values()].map((s) => this.end(s)));
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const session of this.byId.values()) if (now - session.lastSeen > IDLE_MS) void this.end(session);
  }

  private sign(id: string): Buffer {
    return Buffer.from(createHmac('sha256', this.secret).update(id).digest('base64url'));
  }
}

/**
 * At most `limit` failed logins per user name and per address in `windowMs`: enough for typos,
 * too few to guess passwords. A success clears the user's count.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
    /** The clock (tests turn it). */
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before trying again, or 0 when a try is allowed. */
  retryAfter(user: string, address: string): number {
    const now = this.now();
    let wait = 0;
    for (const id of [`u:${user}`, `a:${address}`]) {
      const recent = (this.failures.get(id) ?? []).filter((t) => now - t < this.windowMs);
      this.failures.set(id, recent);
      if (recent.length >= this.limit) wait = Math.max(wait, this.windowMs - (now - (recent[0] as number)));
    }
    return wait;
  }

  failed(user: string, address: string): void {
    for (const id of [`u:${user}`, `a:${address}`]) this.failures.set(id, [...(this.failures.get(id) ?? []), this.now()]);
  }

  succeeded(user: string): void {
    this.failures.delete(`u:${user}`);
  }
}
