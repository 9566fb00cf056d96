import { createDials, type Dials, namespaceOf, type Source } from '@dials/core';
import { createFlags, type Flags } from '@dials/flags';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { answer, contextOf, etagOf, matches } from './answers.js';
import { hashKey, namespaceOfKey, OFREP_KEYS_PREFIX } from './keys.js';

export interface OfrepOptions {
  /** Where the flags and the API keys live: the server's own connection (etcd, or the demo's flagd file). */
  readonly source: Source;
  /**
   * Require an API key (`X-API-Key`, or `Authorization: Bearer`); each key serves the flags of its
   * namespace (`/<namespace>/`). Default true on etcd, false on a file.
   */
  readonly requireKeys?: boolean;
  /** Without keys: the flags prefix to serve. Default `''` (a flagd file mounted at the root). */
  readonly prefix?: string;
  /** The OFREP polling interval to advertise (`/ofrep/v1/configuration`). Default 30 000 ms. */
  readonly minPollingIntervalMs?: number;
  /**
   * Web pages of these origins (`https://shop.example.com`, or `*`) may call OFREP from the browser
   * (CORS, with the ETag readable). Default none: the web provider works from the same origin only.
   */
  readonly corsOrigins?: readonly string[];
}

export interface OfrepServer {
  /** Mount at the server's root: its routes are `/ofrep/v1/...`. */
  readonly router: Router;
  /** Resolves once the API keys are loaded (at once without keys); rejects when they cannot be read. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const ENDPOINTS = 'POST /ofrep/v1/evaluate/flags/{key}, POST /ofrep/v1/evaluate/flags, GET /ofrep/v1/configuration';
const INVALID_JSON = new Set(['entity.parse.failed', 'encoding.unsupported', 'charset.unsupported']);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A 500 as the spec shapes it (`generalErrorResponse`): what went wrong, never a stack. */
function failed(res: Response, error: unknown): void {
  if (!res.headersSent) res.status(500).json({ errorDetails: messageOf(error) });
}

/**
 * CORS for the origins allowed: the web provider sends its key in a header (no cookies), polls with
 * If-None-Match, and must read the ETag, which a browser hides from another origin unless exposed.
 */
function cors(origins: readonly string[]) {
  const any = origins.includes('*');
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (!origin || !(any || origins.includes(origin))) return next();
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'ETag');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-API-Key, Authorization, If-None-Match');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

/**
 * The OpenFeature Remote Evaluation Protocol (open-feature/protocol, `service/openapi.yaml`): flags
 * for services in any language. Evaluation uses the same compiled flags as in-process, one watch per
 * prefix and no etcd read per request; API keys are checked against a watched copy of their hashes.
 *
 * @example
 * const ofrep = createOfrep({ source: etcdSource({ endpoints, auth: { username: 'ofrep', password } }) });
 * app.use(ofrep.router);
 */
export function createOfrep(options: OfrepOptions): OfrepServer {
  const source = options.source;
  const requireKeys = options.requireKeys ?? source.kind === 'etcd';
  const flagsByPrefix = new Map<string, Flags>();
  // The hashes of every live key, kept fresh by one watch: a revoked key is refused at once.
  const keys: Dials | undefined = requireKeys ? createDials({ source, prefix: OFREP_KEYS_PREFIX, report: false }) : undefined;

  const flagsFor = async (prefix: string): Promise<Flags> => {
    let flags = flagsByPrefix.get(prefix);
    if (!flags) {
      flags = createFlags({ source, prefix, report: false });
      flagsByPrefix.set(prefix, flags);
    }
    try {
      await flags.ready();
    } catch (error) {
      // Try again on the next request (a role granted since, etcd back). The keys' watch holds the
      // connection, so closing this one cannot close it; without keys there is only one prefix to keep.
      if (keys && flagsByPrefix.get(prefix) === flags) {
        flagsByPrefix.delete(prefix);
        void flags.close().catch(() => undefined);
      }
      throw new Error(`The OFREP server cannot read the flags under ${prefix}: ${messageOf(error)}`);
    }
    return flags;
  };

  /** Who may ask, checked before the body is read: the flags prefix of the request's key in `res.locals`. */
  const authenticate = (req: Request, res: Response, next: NextFunction) => {
    if (!keys) {
      res.locals.ofrepPrefix = options.prefix ?? '';
      return next();
    }
    const header = req.get('x-api-key') ?? /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const namespace = header ? namespaceOfKey(header) : undefined;
    keys.ready().then(
      () => {
        if (!header || !namespace || keys.get(`${namespace}/${hashKey(header)}`) === undefined) {
          res.status(401).json({
            errorDetails: header
              ? 'This API key is not valid (revoked, or never made)'
              : 'An API key is needed: X-API-Key, or Authorization: Bearer',
          });
          return;
        }
        res.locals.ofrepPrefix = `/${namespace}/`;
        next();
      },
      (error: unknown) => failed(res, new Error(`The OFREP server cannot read its API keys (${OFREP_KEYS_PREFIX}): ${messageOf(error)}`)),
    );
  };
  // Any content type is read as JSON: `curl -d` sends form encoding unless told otherwise.
  const json = express.json({ limit: '256kb', type: () => true });

  const r = express.Router();
  if (options.corsOrigins && options.corsOrigins.length > 0) r.use('/ofrep/v1', cors(options.corsOrigins));
  r.post('/ofrep/v1/evaluate/flags/*key', authenticate, json, async (req, res) => {
    // A flag's key may hold slashes (`checkout/theme`): the route takes every remaining segment.
    const key = ([] as string[]).concat(req.params.key as string | string[]).join('/');
    try {
      const checked = contextOf(req.body);
      if ('invalid' in checked) {
        res.status(400).json({ key, errorCode: 'INVALID_CONTEXT', errorDetails: checked.invalid });
        return;
      }
      const flags = await flagsFor(res.locals.ofrepPrefix as string);
      const { status, body } = answer(flags.evaluate(key, checked.context));
      res.status(status).json(body);
    } catch (error) {
      failed(res, error);
    }
  });
  r.post('/ofrep/v1/evaluate/flags', authenticate, json, async (req, res) => {
    try {
      const checked = contextOf(req.body);
      if ('invalid' in checked) {
        res.status(400).json({ errorCode: 'INVALID_CONTEXT', errorDetails: checked.invalid });
        return;
      }
      const prefix = res.locals.ofrepPrefix as string;
      const flags = await flagsFor(prefix);
      const evaluated = flags.keys().map((key) => answer(flags.evaluate(key, checked.context)).body);
      const text = JSON.stringify({ flags: evaluated, metadata: { namespace: namespaceOf(prefix), revision: flags.dials.revision } });
      const etag = etagOf(text);
      res.setHeader('ETag', etag);
      if (matches(req.get('if-none-match'), etag)) {
        res.status(304).end();
        return;
      }
      res.type('application/json').send(text);
    } catch (error) {
      failed(res, error);
    }
  });
  // Removed from the spec in 2025 (protocol#38); older providers still ask for it.
  r.get('/ofrep/v1/configuration', (_req, res) => {
    res.json({
      name: 'dials',
      capabilities: {
        cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: options.minPollingIntervalMs ?? 30_000 } },
        flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
      },
    });
  });
  r.all(['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/*key'], (req, res) => {
    res.setHeader('Allow', 'POST');
    res
      .status(405)
      .json({ errorDetails: `${req.method} ${req.path}: evaluations are POST requests with a JSON body { "context": { ... } }` });
  });
  r.all('/ofrep/v1/*rest', (req, res) => {
    res.status(404).json({ errorDetails: `No OFREP endpoint ${req.method} ${req.path}; the endpoints are ${ENDPOINTS}` });
  });
  // A body that is not JSON is the caller's mistake, answered in OFREP's terms rather than Express's HTML page.
  r.use('/ofrep/v1', (error: { type?: string; status?: number; message?: string }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const key = /^\/evaluate\/flags\/(.+)$/.exec(req.path)?.[1];
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (error.type && INVALID_JSON.has(error.type)) {
      res
        .status(400)
        .json({ ...(key ? { key } : {}), errorCode: 'INVALID_CONTEXT', errorDetails: `The body is not JSON: ${error.message}` });
    } else if (status === 413) {
      res.status(413).json({ errorDetails: 'The body is over 256 kB' });
    } else if (status < 500) {
      res.status(status).json({ errorDetails: `The body could not be read: ${error.message}` });
    } else failed(res, error);
  });
  return {
    router: r,
    ready: async () => {
      await keys?.ready();
    },
    close: async () => {
      await Promise.all([...flagsByPrefix.values()].map((f) => f.close()));
      await keys?.close();
    },
  };
}
