import { isDialsError } from '@dials/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ZodType } from 'zod';
import type { ConsoleSession } from './sessions.js';

/** A request that passed the session check. */
export interface SessionRequest extends Request {
  session: ConsoleSession;
}

/** An error with an HTTP status, for what is not a DialsError (a bad request, nothing found). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

const STATUS: Readonly<Record<string, number>> = {
  AUTH_FAILED: 401,
  PERMISSION_DENIED: 403,
  CONFLICT: 409,
  INVALID_VALUE: 422,
  PARSE_ERROR: 422,
  INVALID_ARGUMENT: 400,
  UNSAFE_KEY: 400,
  TOO_LARGE: 413,
  UNSUPPORTED: 405,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
};

/** The JSON error body and status for anything thrown by a handler; never a stack, never a credential. */
export function sendError(res: Response, error: unknown): void {
  if (error instanceof HttpError) {
    res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.key ? { key: error.key } : {}) } });
    return;
  }
  if (isDialsError(error)) {
    const refused = (error as { refused?: unknown }).refused;
    res.status(STATUS[error.code] ?? 500).json({
      error: { code: error.code, message: error.message, ...(error.key ? { key: error.key } : {}), ...(refused ? { refused } : {}) },
    });
    return;
  }
  res.status(500).json({ error: { code: 'GENERAL', message: error instanceof Error ? error.message : String(error) } });
}

/**
 * Express's own errors, from reading a body (over `limit`, not JSON, an unknown charset), answered
 * like the API's: JSON with a code and a message, 413 or 400, never Express's HTML page and stack.
 */
export function bodyErrors(limit: string) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, type } = error as { status?: unknown; type?: unknown };
    if (status === 413 || type === 'entity.too.large') sendError(res, new HttpError(413, 'TOO_LARGE', `The request body is over ${limit}`));
    else if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser's own errors name their type: the body is not JSON, or not readable.
      const what = type === 'entity.parse.failed' ? 'is not JSON' : 'could not be read';
      sendError(res, new HttpError(400, 'INVALID_ARGUMENT', `Bad request: the body ${what}: ${messageOf(error)}`));
    } else if (typeof status === 'number' && status >= 400 && status < 500) {
      // Another refusal (a missing asset): its own status.
      sendError(res, new HttpError(status, status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', messageOf(error)));
    } else sendError(res, error);
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** An async handler whose failures become JSON errors. */
export function route(fn: (req: SessionRequest, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, _next: NextFunction) => {
    fn(req as SessionRequest, res).then(
      (body) => {
        if (body !== undefined && !res.headersSent) res.json(body);
      },
      (error: unknown) => sendError(res, error),
    );
  };
}

/** The request body, checked against its schema: a bad one is a 400 naming the field. */
export function body<T>(req: Request, schema: ZodType<T>): T {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'INVALID_ARGUMENT', `Bad request: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A query parameter that must be there. */
export function query(req: Request, name: string): string {
  const value = req.query[name];
  if (typeof value !== 'string' || value === '')
    throw new HttpError(400, 'INVALID_ARGUMENT', `Bad request: the ${name} parameter is missing`);
  return value;
}
