import { type Dials, DialsError, healthOf, type SchemaMap } from '@dials/core';
import type { EvaluationContext, Flags, FlagTypes } from '@dials/flags';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RequestFlags } from './request-flags.js';

/**
 * Declare your config and flag types once, and `req.config` and `req.flags` are typed:
 *
 * ```ts
 * declare module '@dials/express' {
 *   interface DialsExpressTypes {
 *     config: typeof dials.config;
 *     flags: { 'new-checkout': boolean };
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the application through module augmentation
export interface DialsExpressTypes {}

export type RequestConfig = DialsExpressTypes extends { config: infer TConfig } ? TConfig : Readonly<Record<string, unknown>>;
export type RequestFlagTypes = DialsExpressTypes extends { flags: infer TFlags extends FlagTypes } ? TFlags : FlagTypes;

declare global {
  namespace Express {
    interface Request {
      /** The typed config as of the start of this request: it does not change under a running request. */
      config: RequestConfig;
      /** Flags evaluated with this request's context, each at most once per request. */
      flags: RequestFlags<RequestFlagTypes>;
    }
  }
}

export interface DialsMiddlewareOptions<TSchema extends SchemaMap = SchemaMap> {
  readonly dials: Dials<TSchema>;
  readonly flags?: Flags;
  /** The flag evaluation context of a request, e.g. `req => ({ targetingKey: req.get('x-user-id') })`. Called at most once per request, on first use. */
  readonly context?: (req: Request) => EvaluationContext;
}

interface RequestState {
  readonly config: RequestConfig;
  readonly flags: Flags<RequestFlagTypes> | undefined;
  readonly context: ((request: unknown) => EvaluationContext) | undefined;
  requestFlags: RequestFlags<RequestFlagTypes, unknown> | undefined;
}

/**
 * Per-request state is one non-enumerable entry in `res.locals`, read through getters defined once
 * on Express's request prototype: the cheapest place measured (docs/benchmarks.md, "Express").
 */
const STATE = Symbol('dials.request');
type StateHolder = { [STATE]?: RequestState };
type ExpressLike = { res?: { locals?: StateHolder } };
const installed = new WeakSet<object>();

/** Express's base request prototype (it owns `get` and `header`), or undefined for a plain request. */
function expressRequestPrototype(request: object): object | undefined {
  for (let proto = Object.getPrototypeOf(request) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.hasOwn(proto, 'get') && Object.hasOwn(proto, 'header')) return proto;
  }
  return undefined;
}

/** Define the getters once; false when this is not an Express request (then plain properties are used). */
function install(request: object): boolean {
  const target = expressRequestPrototype(request);
  if (!target) return false;
  if (installed.has(target)) return true;
  installed.add(target);
  const own = (self: object, name: string, value: unknown) =>
    Object.defineProperty(self, name, { value, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(target, 'config', {
    configurable: true,
    get(this: ExpressLike) {
      return this.res?.locals?.[STATE]?.config;
    },
    set(this: object, value: unknown) {
      own(this, 'config', value);
    },
  });
  Object.defineProperty(target, 'flags', {
    configurable: true,
    get(this: ExpressLike) {
      const state = this.res?.locals?.[STATE];
      if (!state) return undefined;
      state.requestFlags ??= new RequestFlags<RequestFlagTypes, unknown>(state.flags, state.context, this);
      return state.requestFlags;
    },
    set(this: object, value: unknown) {
      own(this, 'flags', value);
    },
  });
  return true;
}

/**
 * Puts `req.config` (a reference to the current config snapshot, not a copy) and `req.flags`
 * on every request.
 *
 * @example
 * app.use(dialsMiddleware({ dials, flags, context: (req) => ({ targetingKey: req.get('x-user-id') }) }));
 * app.get('/db', (req, res) => res.json({ host: req.config.database.host }));
 */
export function dialsMiddleware<TSchema extends SchemaMap>(options: DialsMiddlewareOptions<TSchema>): RequestHandler {
  const { dials } = options;
  const flags = options.flags as Flags<RequestFlagTypes> | undefined;
  const context = options.context as ((request: unknown) => EvaluationContext) | undefined;
  // Express gives every request of an app the same prototype: look for the getters only when it changes.
  let lastPrototype: unknown;
  let viaPrototype = false;
  return (req: Request, res: Response, next: NextFunction) => {
    const prototype = Object.getPrototypeOf(req);
    if (prototype !== lastPrototype) {
      lastPrototype = prototype;
      viaPrototype = install(req) && typeof res.locals === 'object' && res.locals !== null && req.res === res;
    }
    if (viaPrototype) {
      // Not enumerable: templates and spreads of res.locals do not see it.
      Object.defineProperty(res.locals, STATE, {
        value: { config: dials.config as RequestConfig, flags, context, requestFlags: undefined },
        configurable: true,
      });
    } else {
      req.config = dials.config as RequestConfig;
      req.flags = new RequestFlags<RequestFlagTypes, unknown>(flags, context, req);
    }
    next();
  };
}

export interface RequireFlagOptions {
  /** Status when the flag is off. Default 404, so a gated route looks absent. */
  readonly status?: number;
  /** Answer yourself instead (render a page, redirect). */
  readonly onDisabled?: (req: Request, res: Response, next: NextFunction) => void;
}

/**
 * Let the request through only when a boolean flag is on for it; `dialsMiddleware` must run first.
 *
 * @example
 * app.get('/checkout/new', requireFlag('new-checkout'), handler);
 */
export function requireFlag(key: string, options: RequireFlagOptions = {}): RequestHandler {
  const status = options.status ?? 404;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.flags) {
      next(new DialsError('INVALID_ARGUMENT', `requireFlag('${key}'): dialsMiddleware() must be installed before it`));
      return;
    }
    if (req.flags.evaluate(key).value === true) {
      next();
      return;
    }
    if (options.onDisabled) options.onDisabled(req, res, next);
    else res.status(status).json({ error: status === 404 ? 'Not Found' : 'Feature disabled' });
  };
}

export interface DialsHealthOptions<TSchema extends SchemaMap = SchemaMap> {
  readonly dials: Dials<TSchema>;
  readonly flags?: Flags;
}

/**
 * A health endpoint for load balancers: 200 while values are served (`ready`; `degraded` while
 * keys are refused and their last good values serve; `stale` during an etcd outage), 503 before
 * the first load or after a failure. The body says the status, the revision, the refused keys, and
 * whether the data is stale.
 *
 * @example
 * app.get('/health', dialsHealth({ dials, flags }));
 */
export function dialsHealth<TSchema extends SchemaMap>(options: DialsHealthOptions<TSchema>): RequestHandler {
  return (_req: Request, res: Response) => {
    const { serving, ...body } = healthOf(options.dials, options.flags);
    res.status(serving ? 200 : 503).json(body);
  };
}
