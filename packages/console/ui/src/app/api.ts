import type { ZodType } from 'zod';
import { ApiError } from '../../../src/api/contract.ts';

/** Where the console is mounted (`/console/`): the server writes it into the page. */
export const base = document.querySelector('meta[name="dials-base"]')?.getAttribute('content') ?? import.meta.env.BASE_URL;

type Problem = ApiError['error'];

/** A refused request: the server's code and message, and the apps that refused a write. */
export class ApiFailure extends Error {
  readonly code: string;
  readonly key: string | undefined;
  readonly refused: NonNullable<Problem['refused']>;

  constructor(
    readonly status: number,
    problem: Problem,
  ) {
    super(problem.message);
    this.code = problem.code;
    this.key = problem.key;
    this.refused = problem.refused ?? [];
  }
}

let csrfToken = '';
let onLoginRequired: () => void = () => {};

/** The session's CSRF token, sent back in `x-csrf-token` with every write. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** What to do when the server says the session is gone (go to the login page). */
export function whenLoginRequired(callback: () => void): void {
  onLoginRequired = callback;
}

/** `?a=1&b=2`, leaving out what is undefined. */
export function query(params: Record<string, string | undefined>): string {
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return defined.length === 0 ? '' : `?${new URLSearchParams(defined)}`;
}

/**
 * One call of the console's API (`<base>api<path>`), its answer checked against the contract's
 * schema. A refusal throws an ApiFailure with the server's words.
 */
export async function call<T>(schema: ZodType<T>, path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const res = await fetch(`${base}api${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const parsed = ApiError.safeParse(json);
    const failure = new ApiFailure(
      res.status,
      parsed.success ? parsed.data.error : { code: `HTTP_${res.status}`, message: res.statusText },
    );
    if (failure.code === 'LOGIN_REQUIRED') onLoginRequired();
    throw failure;
  }
  return schema.parse(json);
}
