import { createHash } from 'node:crypto';
import type { EvaluationDetails } from '@dials/flags';

/** One flag's answer, as `service/openapi.yaml` names the fields. */
export interface FlagAnswer {
  key: string;
  value?: unknown;
  reason?: string;
  variant?: string;
  metadata?: object;
  errorCode?: string;
  errorDetails?: string;
}

/**
 * A Dials evaluation as OFREP answers it. No variant applies (a disabled flag, or one without a
 * default variant) → no `value`: the spec's `codeDefaultFlag` (ADR 0006), so the caller's default
 * stands, with the reason (`DISABLED`, `DEFAULT`) as in-process.
 */
export function answer(details: EvaluationDetails): { status: number; body: FlagAnswer } {
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

/** The request's evaluation context, or why it is not one (a 400 INVALID_CONTEXT). */
export function contextOf(body: unknown): { context: Record<string, unknown> } | { invalid: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { invalid: 'The body must be a JSON object: { "context": { ... } }' };
  const context = (body as { context?: unknown }).context;
  if (typeof context !== 'object' || context === null || Array.isArray(context))
    return {
      invalid: `"context" must be an object, got ${context === undefined ? 'none' : JSON.stringify(context)}: { "context": { ... } }`,
    };
  const targetingKey = (context as { targetingKey?: unknown }).targetingKey;
  if (targetingKey !== undefined && typeof targetingKey !== 'string')
    return { invalid: `"context.targetingKey" must be a string, got ${JSON.stringify(targetingKey)}` };
  return { context: context as Record<string, unknown> };
}

/**
 * The ETag of a bulk answer: a digest of the answer itself, not of the flags' revision, so that
 * targeting on `$flagd.timestamp` (which changes with no write) is never hidden behind a 304.
 */
export function etagOf(text: string): string {
  return `"${createHash('sha1').update(text).digest('base64url')}"`;
}

/** Whether an `If-None-Match` header (a list, weak tags, or `*`) names `etag`. */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
