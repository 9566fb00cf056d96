import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOfrep, createOfrepKey, type OfrepOptions, type OfrepServer } from '@dials/console';
import { etcdSource, type Source } from '@dials/core';
import { createFlags, type EvaluationDetails, type Flags, type FlagValue } from '@dials/flags';
import express from 'express';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

/** The flags every client is checked on: each type, a rollout, a disabled flag, none without a default variant, a broken one. */
export const FLAGS: Readonly<Record<string, unknown>> = {
  'new-checkout': {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on'] },
    metadata: { owner: 'checkout', ticket: 42 },
  },
  'checkout/theme': {
    state: 'ENABLED',
    variants: { light: 'light', dark: 'dark', high: 'high-contrast' },
    defaultVariant: 'light',
    targeting: { if: [{ '==': [{ var: 'country' }, 'DE'] }, 'dark'] },
  },
  'max-items': {
    state: 'ENABLED',
    variants: { few: 10, many: 250 },
    defaultVariant: 'few',
    targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'many'] },
  },
  discount: { state: 'ENABLED', variants: { none: 0, some: 0.15 }, defaultVariant: 'some' },
  banner: {
    state: 'ENABLED',
    variants: { blue: { color: 'blue', sizes: [1, 2] }, red: { color: 'red', sizes: [] } },
    defaultVariant: 'blue',
  },
  'search-ranking': {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: {
      fractional: [
        ['on', 50],
        ['off', 50],
      ],
    },
  },
  'old-banner': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  'beta-only': {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: null,
    targeting: { if: [{ '==': [{ var: 'plan' }, 'beta'] }, 'on'] },
  },
  broken: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'purple' },
};

/** The caller's default per flag (its type is what the OpenFeature clients ask for); `missing` is not stored. */
export const DEFAULTS: Readonly<Record<string, FlagValue>> = {
  'new-checkout': false,
  'checkout/theme': 'system',
  'max-items': -1,
  discount: -1,
  banner: { color: 'none', sizes: [] },
  'search-ranking': false,
  'old-banner': false,
  'beta-only': false,
  broken: false,
  missing: 'nothing',
};

export const CONTEXTS: readonly Record<string, string>[] = [
  { targetingKey: 'user-1', email: 'ann@example.com', country: 'DE', plan: 'pro' },
  { targetingKey: 'user-2', email: 'bob@elsewhere.org', country: 'FR', plan: 'beta' },
  ...['user-3', 'user-4', 'user-5', 'user-6', 'user-7', 'user-8'].map((targetingKey) => ({ targetingKey })),
];

/** What an application sees in-process: `flags.evaluate()`, with the caller's default where no variant applies. */
export interface Outcome {
  value: unknown;
  variant?: string | undefined;
  reason: string;
  errorCode?: string | undefined;
  flagMetadata?: Readonly<Record<string, unknown>>;
}

export function inProcess(details: EvaluationDetails, defaultValue: FlagValue): Outcome {
  return {
    value: details.value ?? defaultValue,
    variant: details.variant,
    reason: details.reason,
    errorCode: details.errorCode,
    flagMetadata: details.flagMetadata,
  };
}

/** Evaluate through a provider's resolution details, in the same shape. */
export function outcomeOf(d: { value: unknown; variant?: string; reason?: string; errorCode?: string; flagMetadata?: object }): Outcome {
  return {
    value: d.value,
    variant: d.variant,
    reason: d.reason ?? '',
    errorCode: d.errorCode,
    flagMetadata: d.flagMetadata as Outcome['flagMetadata'],
  };
}

export interface OfrepFixture {
  readonly base: string;
  readonly key: string;
  readonly namespace: string;
  readonly prefix: string;
  /** The same flags in-process, on a connection of their own. */
  readonly local: Flags;
  /** Every finished OFREP request: `('answer', { method, path, status })`. */
  readonly answers: EventEmitter;
  readonly source: Source;
  put(flag: string, definition: unknown): Promise<void>;
  close(): Promise<void>;
}

/** An OFREP server on etcd (keys required), `FLAGS` under a namespace of the test's own, and a key for it. */
export async function serveOfrep(endpoint: string, options: Omit<OfrepOptions, 'source'> = {}): Promise<OfrepFixture> {
  const prefix = uniquePrefix('flags');
  const namespace = prefix.slice(1, -1);
  const etcd = rawClient(endpoint);
  const put = async (flag: string, definition: unknown) => {
    await etcd.put(prefix + flag).value(typeof definition === 'string' ? definition : JSON.stringify(definition));
  };
  for (const [flag, definition] of Object.entries(FLAGS)) await put(flag, definition);
  const source = etcdSource({ endpoints: endpoint });
  const ofrep: OfrepServer = createOfrep({ ...options, source });
  const { key } = await createOfrepKey(source, namespace, { label: 'test' });
  const answers = new EventEmitter();
  const app = express();
  app.use((req, res, next) => {
    res.on('finish', () => answers.emit('answer', { method: req.method, path: req.path, status: res.statusCode }));
    next();
  });
  app.use(ofrep.router);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix, report: false });
  await Promise.all([ofrep.ready(), local.ready()]);
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key,
    namespace,
    prefix,
    local,
    answers,
    source,
    put,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([ofrep.close(), local.close()]);
      await etcd.delete().prefix(prefix);
      etcd.close();
    },
  };
}

/** POST JSON to an OFREP endpoint; the status, headers and body as JSON (or undefined). */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined,
  };
}

/** The flags of a bulk answer (none when it has none). */
export function flagsOf(answer: { json?: Record<string, unknown> | undefined }): { key: string; value?: unknown; errorCode?: string }[] {
  return (answer.json?.flags ?? []) as { key: string; value?: unknown; errorCode?: string }[];
}
