import { type EtcdSource, type EtcdSourceOptions, etcdSource, isDialsError, type Source } from '@dials/core';
import express, { type Request, type Response, type Router } from 'express';
import { LoginRequest, type Session } from '../api/contract.js';
import { body, bodyErrors, HttpError, route, type SessionRequest, sendError } from './http.js';
import { uiDirectory, uiPage, withPreloads } from './page.js';
import { changeRoutes } from './routes/changes.js';
import { configRoutes } from './routes/config.js';
import { environmentRoutes } from './routes/environments.js';
import { eventRoutes } from './routes/events.js';
import { flagRoutes } from './routes/flags.js';
import { grayRoutes } from './routes/gray.js';
import { ofrepKeyRoutes } from './routes/ofrep-keys.js';
import { releaseRoutes } from './routes/releases.js';
import { securityHeaders } from './security.js';
import { type ConsoleSession, LoginLimiter, Sessions } from './sessions.js';

/** The largest request body the console reads. */
const BODY_LIMIT = '2mb';

export interface ConsoleOptions {
  /**
   * Log in with etcd's users: each session opens its own connection with its user's credentials,
   * so etcd's roles decide what the user sees and may change. The console holds no credentials.
   */
  readonly etcd?: Omit<EtcdSourceOptions, 'auth'>;
  /** Without etcd login: what every session reads (and, if it can, writes): the demo's files, or etcd with auth off. */
  readonly source?: Source;
  /** Where flags live, when not in `source` (the demo's flagd file). */
  readonly flagsSource?: Source;
  /** The roots of the config tree. Default `['/config/']` on etcd, `['']` for a file. */
  readonly configRoots?: readonly string[];
  /** The flag prefixes' roots. Default `['/flags/']` on etcd, `['']` for a file. */
  readonly flagRoots?: readonly string[];
  /** Where the console is mounted (the cookie's path). Default `/console`. */
  readonly basePath?: string;
  /** The cookie signing secret. Default: random per process (sessions end with it). */
  readonly secret?: string;
  /** Mark cookies Secure (the console is served over https). */
  readonly secure?: boolean;
}

export interface DialsConsole {
  /** Mount it at `basePath`: `app.use('/console', console.router)`. */
  readonly router: Router;
  close(): Promise<void>;
}

/**
 * Whether `user`'s etcd roles grant a write anywhere (a user may read its own user and roles). A
 * role that may only read gets a console without edit controls; when this cannot be told, the
 * controls show and etcd decides each write.
 */
async function mayWrite(source: EtcdSource, user: string): Promise<boolean> {
  try {
    const roles = await source.client.user(user).roles();
    if (roles.some((role) => role.name === 'root')) return true;
    for (const role of roles) if ((await role.permissions()).some((p) => p.permission !== 'Read')) return true;
    return false;
  } catch {
    return true;
  }
}

/** Whether etcd checks credentials: an anonymous read is refused when it does. */
async function etcdAuthEnabled(options: Omit<EtcdSourceOptions, 'auth'>): Promise<boolean> {
  const probe = etcdSource({ ...options });
  try {
    await probe.get('/dials/');
    return false;
  } catch (error) {
    if (isDialsError(error) && ['PERMISSION_DENIED', 'AUTH_FAILED'].includes(error.code)) return true;
    if (isDialsError(error) && /user name is empty|invalid auth token/i.test(error.message)) return true;
    throw error;
  } finally {
    await probe.close();
  }
}

/**
 * The Dials console: an HTTP API (`/api/...`, see `api/contract.ts`) and the single-page UI that is
 * its client, as an Express router. With `etcd`, users log in with their etcd credentials; with
 * `source`, nobody logs in (the page says so).
 *
 * @example
 * const dialsConsole = await createConsole({ etcd: { endpoints: '127.0.0.1:2379' } });
 * app.use('/console', dialsConsole.router);
 */
export async function createConsole(options: ConsoleOptions): Promise<DialsConsole> {
  if (!options.etcd && !options.source)
    throw new HttpError(500, 'INVALID_ARGUMENT', 'createConsole: give etcd (log in with etcd users) or source');
  const basePath = options.basePath ?? '/console';
  const sessions = new Sessions(options.secret, options.secure ?? false, basePath);
  const limiter = new LoginLimiter();
  const authEnabled = options.etcd ? await etcdAuthEnabled(options.etcd) : false;
  const loginRequired = authEnabled;
  // Without login, every session shares one connection.
  const shared = options.source ?? (options.etcd && !authEnabled ? etcdSource({ ...options.etcd }) : undefined);
  const sharedFlags = options.flagsSource ?? shared;
  const onFile = shared !== undefined && shared.kind !== 'etcd';
  const configRoots = options.configRoots ?? (onFile ? [''] : ['/config/']);
  const flagRoots = options.flagRoots ?? (onFile ? [''] : ['/flags/']);

  const r = express.Router();
  r.use(securityHeaders);
  r.use(express.json({ limit: BODY_LIMIT }));
  const api = express.Router();

  const sessionOf = (req: Request): ConsoleSession | undefined => sessions.fromCookie(req.headers.cookie);
  const describe = (session: ConsoleSession | undefined, res: Response): Session => {
    let current = session;
    if (!current && !loginRequired && shared && sharedFlags) {
      current = sessions.create(null, shared, sharedFlags, false);
      res.setHeader('Set-Cookie', sessions.cookie(current));
    }
    return {
      user: current?.user ?? null,
      authEnabled,
      loginRequired: loginRequired && !current,
      csrfToken: current?.csrfToken ?? '',
      source: (current?.source ?? shared)?.description ?? String(options.etcd?.endpoints ?? ''),
      writable: (current?.source ?? shared)?.transactions !== undefined && !current?.readOnly,
      configRoots: [...configRoots],
      flagRoots: [...flagRoots],
    };
  };

  api.get('/session', (req, res) => {
    res.json(describe(sessionOf(req), res));
  });
  api.post(
    '/login',
    route(async (req, res) => {
      if (!options.etcd || !loginRequired) throw new HttpError(400, 'INVALID_ARGUMENT', 'This console needs no login: etcd auth is off');
      const { user, password } = body(req, LoginRequest);
      const address = req.socket.remoteAddress ?? '';
      const wait = limiter.retryAfter(user, address);
      if (wait > 0) {
        res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
        throw new HttpError(429, 'TOO_MANY_ATTEMPTS', `Too many failed logins: try again in ${Math.ceil(wait / 1000)} s`);
      }
      const source = etcdSource({ ...options.etcd, auth: { username: user, password } });
      try {
        await source.connect();
        await source.get('/dials/').catch((error: unknown) => {
          // A role may not read there; only a refused password matters now.
          if (isDialsError(error) && error.code === 'AUTH_FAILED') throw error;
        });
      } catch (error) {
        await source.close();
        limiter.failed(user, address);
        if (isDialsError(error) && error.code === 'AUTH_FAILED')
          throw new HttpError(401, 'AUTH_FAILED', 'etcd refused that user name or password');
        throw error;
      }
      limiter.succeeded(user);
      const session = sessions.create(user, source, source, true, !(await mayWrite(source, user)));
      res.setHeader('Set-Cookie', sessions.cookie(session));
      return describe(session, res);
    }),
  );
  api.post('/logout', (req, res) => {
    const session = sessionOf(req);
    if (session && sessions.checkCsrf(session, req.get('x-csrf-token'))) void sessions.end(session);
    res.setHeader('Set-Cookie', sessions.clearCookie());
    res.json({ ok: true });
  });
  // Everything else needs a session, and every write its CSRF token.
  api.use((req, res, next) => {
    const session = sessionOf(req);
    if (!session)
      return sendError(
        res,
        new HttpError(
          401,
          'LOGIN_REQUIRED',
          'No session: open the console page (it starts one), or log in with your etcd user name and password',
        ),
      );
    if (req.method !== 'GET' && !sessions.checkCsrf(session, req.get('x-csrf-token'))) {
      return sendError(res, new HttpError(403, 'CSRF', "The request lacks this session's CSRF token (x-csrf-token): reload the page"));
    }
    (req as SessionRequest).session = session;
    next();
  });
  for (const routes of [configRoutes(), environmentRoutes(), flagRoutes(), releaseRoutes(), eventRoutes()]) api.use(routes);
  api.use(ofrepKeyRoutes());
  api.use(changeRoutes());
  api.use(grayRoutes());
  api.use((_req, res) => sendError(res, new HttpError(404, 'NOT_FOUND', 'No such API route')));
  r.use('/api', api);

  const ui = uiDirectory();
  if (ui) {
    const page = uiPage(ui, basePath);
    // Asset names carry a content hash: they never change, so browsers may keep them.
    r.use('/assets', express.static(`${ui}/assets`, { index: false, immutable: true, maxAge: '365d', fallthrough: false }));
    r.use(express.static(ui, { index: false, maxAge: '1h' }));
    // Every view has its own URL: the page answers them all and routes in the browser.
    // Without login, the page itself opens the session, so that its first reads start with it.
    r.get(/.*/, (req, res) => {
      let session = sessionOf(req);
      if (!session && !loginRequired && shared && sharedFlags) {
        session = sessions.create(null, shared, sharedFlags, false);
        res.setHeader('Set-Cookie', sessions.cookie(session));
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(session ? withPreloads(page, basePath, req.path, configRoots) : page);
    });
  } else {
    r.get(/.*/, (_req, res) => res.status(503).type('text/plain').send('The console UI is not built: run npm run build'));
  }
  r.use(bodyErrors(BODY_LIMIT));
  return {
    router: r,
    close: async () => {
      await sessions.close();
      if (shared && !options.source) await shared.close();
    },
  };
}
