import { createHash } from 'node:crypto';
import { createDials, type Dials, namespaceOf, type Source } from '@dials/core';
import { createFlags, type EvaluationDetails, type Flags } from '@dials/flags';
import express, { type Request, type Response, type Router } from 'express';
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
}

export interface OfrepServer {
  /** Mount at the server's root: its routes are `/ofrep/v1/...`. */
  readonly router: Router;
  close(): Promise<void>;
}

type Body = {
  key?: string;
  value?: unknown;
  reason?: string;
  variant?: string;
  metadata?: object;
  errorCode?: string;
  errorDetails?: string;
};

/** A Dials evaluation as OFREP answers it: no `value` when the caller's default applies. */
function answer(details: EvaluationDetails): { status: number; body: Body } {
  const metadata = Object.keys(details.flagMetadata).length > 0 ? { metadata: details.flagMetadata } : {};
  if (details.errorCode === 'FLAG_NOT_FOUND') {
    return {
      status: 404,
      body: {
        key: details.flagKey,
        errorCode: 'FLAG_NOT_FOUND',
        errorDetails: details.errorMessage ?? `flag '${details.flagKey}' not found`,
      },
    };
  }
  if (details.errorCode) {
    return {
      status: 400,
      body: { key: details.flagKey, errorCode: details.errorCode, errorDetails: details.errorMessage ?? details.errorCode, ...metadata },
    };
  }
  return {
    status: 200,
    body: {
      key: details.flagKey,
      reason: details.reason,
      ...(details.variant === undefined ? {} : { variant: details.variant }),
      ...(details.value === undefined ? {} : { value: details.value }),
      ...metadata,
    },
  };
}

/** The request's context: an object, or a 400 INVALID_CONTEXT. */
function contextOf(req: Request): Record<string, unknown> | undefined {
  const context = (req.body as { context?: unknown } | undefined)?.context;
  return typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : undefined;
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
    await flags.ready();
    return flags;
  };

  /** The flags prefix this request may evaluate, or an answer refusing it. */
  const prefixOf = async (req: Request, res: Response): Promise<string | undefined> => {
    if (!keys) return options.prefix ?? '';
    const header = req.get('x-api-key') ?? /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const namespace = header ? namespaceOfKey(header) : undefined;
    await keys.ready();
    if (!header || !namespace || keys.get(`${namespace}/${hashKey(header)}`) === undefined) {
      res.status(401).json({
        errorDetails: header
          ? 'This API key is not valid (revoked, or never made)'
          : 'An API key is needed: X-API-Key, or Authorization: Bearer',
      });
      return undefined;
    }
    return `/${namespace}/`;
  };

  const r = express.Router();
  r.use('/ofrep/v1', express.json({ limit: '256kb' }));
  r.post('/ofrep/v1/evaluate/flags/:key', async (req, res) => {
    try {
      const prefix = await prefixOf(req, res);
      if (prefix === undefined) return;
      const context = contextOf(req);
      if (!context) {
        res
          .status(400)
          .json({ key: req.params.key, errorCode: 'INVALID_CONTEXT', errorDetails: 'The body must be { "context": { ... } }' });
        return;
      }
      const flags = await flagsFor(prefix);
      const { status, body } = answer(flags.evaluate(req.params.key, context));
      res.status(status).json(body);
    } catch (error) {
      res.status(500).json({ errorDetails: error instanceof Error ? error.message : String(error) });
    }
  });
  r.post('/ofrep/v1/evaluate/flags', async (req, res) => {
    try {
      const prefix = await prefixOf(req, res);
      if (prefix === undefined) return;
      const context = contextOf(req);
      if (!context) {
        res.status(400).json({ errorCode: 'INVALID_CONTEXT', errorDetails: 'The body must be { "context": { ... } }' });
        return;
      }
      const flags = await flagsFor(prefix);
      // The answers change with the flags (their revision) or the context: both name the ETag.
      const etag = `"${createHash('sha1')
        .update(`${flags.dials.revision}\u0000${JSON.stringify(context)}`)
        .digest('base64url')}"`;
      res.setHeader('ETag', etag);
      if (req.get('if-none-match') === etag) {
        res.status(304).end();
        return;
      }
      const evaluated = flags.keys().map((key) => answer(flags.evaluate(key, context)).body);
      res.json({ flags: evaluated, metadata: { namespace: namespaceOf(prefix), revision: flags.dials.revision } });
    } catch (error) {
      res.status(500).json({ errorDetails: error instanceof Error ? error.message : String(error) });
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
  return {
    router: r,
    close: async () => {
      await Promise.all([...flagsByPrefix.values()].map((f) => f.close()));
      await keys?.close();
    },
  };
}
