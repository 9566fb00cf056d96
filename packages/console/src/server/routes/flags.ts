import { fleetStatus, memorySource, namespaceOf, publishKeys, type Source } from '@dials/core';
import { createFlags, EVALUATORS_KEY, validateFlagDefinition } from '@dials/flags';
import { type Router, Router as router } from 'express';
import { FlagCheck, type FlagCheckResult, FlagEvaluate, type FlagEvaluation, type FlagList, FlagUpdate } from '../../api/contract.js';
import { body, HttpError, route } from '../http.js';
import { approvalRequired, draftInstead } from './changes.js';
import { namespaceForKey, summary } from './release-summary.js';

const withSlash = (prefix: string) => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);

/** The flag documents under `prefix`, and the shared rules. */
async function documents(source: Source, prefix: string) {
  const { kvs } = await source.list(prefix);
  const docs = new Map<string, unknown>();
  let evaluators: Record<string, unknown> = {};
  for (const kv of kvs) {
    const key = kv.key.slice(prefix.length);
    let doc: unknown;
    try {
      doc = JSON.parse(kv.value);
    } catch {
      doc = kv.value;
    }
    if (key === EVALUATORS_KEY) evaluators = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
    else if (!key.includes('/')) docs.set(key, doc);
  }
  return { docs, evaluators, kvs };
}

/** Where in `text` a JSON.parse error points (V8 says "at position N"), as line and column. */
function position(text: string, message: string): { line: number; column: number } | undefined {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const at = /position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function parseTargeting(text: string): { ok: true; value: unknown } | { ok: false; result: FlagCheckResult } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, result: { ok: false, message: `not JSON: ${message}`, ...position(text, message) } };
  }
}

/** The routes of the Flags view: list with usage, update (state, default variant, targeting), check, evaluate. */
export function flagRoutes(): Router {
  const r = router();
  r.get(
    '/flags',
    route(async (req): Promise<FlagList> => {
      const prefix = withSlash(typeof req.query.prefix === 'string' ? req.query.prefix : '');
      const source = req.session.flagsSource;
      const { docs, evaluators } = await documents(source, prefix);
      const usage = new Map<string, { evaluations: number; lastEvaluated?: string }>();
      if (prefix !== '') {
        const fleet = await fleetStatus(source, namespaceOf(prefix)).catch(() => undefined);
        for (const instance of fleet?.instances ?? []) {
          for (const [key, u] of Object.entries(instance.flags ?? {})) {
            const seen = usage.get(key) ?? { evaluations: 0 };
            seen.evaluations += u.evaluations;
            if (u.lastEvaluated && (!seen.lastEvaluated || u.lastEvaluated > seen.lastEvaluated)) seen.lastEvaluated = u.lastEvaluated;
            usage.set(key, seen);
          }
        }
      }
      const flags = [...docs].map(([key, doc]) => {
        const d = (typeof doc === 'object' && doc !== null ? doc : {}) as {
          state?: string;
          defaultVariant?: string;
          variants?: object;
          targeting?: unknown;
        };
        let invalid: string | undefined;
        try {
          validateFlagDefinition(key, doc, evaluators);
        } catch (error) {
          invalid = (error as Error).message;
        }
        return {
          key,
          state: String(d.state ?? ''),
          defaultVariant: d.defaultVariant ?? null,
          variants: Object.keys(d.variants ?? {}),
          ...(d.targeting === undefined ? {} : { targeting: d.targeting }),
          evaluations: usage.get(key)?.evaluations ?? 0,
          ...(usage.get(key)?.lastEvaluated ? { lastEvaluated: usage.get(key)?.lastEvaluated } : {}),
          ...(invalid ? { invalid } : {}),
        };
      });
      return { prefix, flags };
    }),
  );
  r.post(
    '/flags/check',
    route(async (req): Promise<FlagCheckResult> => {
      const check = body(req, FlagCheck);
      const prefix = withSlash(check.prefix);
      const parsed = parseTargeting(check.targeting);
      if (!parsed.ok) return parsed.result;
      const { docs, evaluators } = await documents(req.session.flagsSource, prefix);
      const doc = docs.get(check.key);
      if (doc === undefined) throw new HttpError(404, 'NOT_FOUND', `No flag ${check.key} under ${prefix}`, prefix + check.key);
      try {
        validateFlagDefinition(check.key, { ...(doc as object), targeting: parsed.value ?? undefined }, evaluators);
        return { ok: true };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    }),
  );
  r.post(
    '/flags/update',
    route(async (req, res) => {
      const update = body(req, FlagUpdate);
      const prefix = withSlash(update.prefix);
      const source = req.session.flagsSource;
      const { docs, evaluators } = await documents(source, prefix);
      const doc = docs.get(update.key);
      if (doc === undefined || typeof doc !== 'object' || doc === null)
        throw new HttpError(404, 'NOT_FOUND', `No flag ${update.key} under ${prefix}`);
      const next: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
      if (update.state) next.state = update.state;
      if (update.defaultVariant !== undefined) next.defaultVariant = update.defaultVariant;
      if (update.targeting !== undefined) {
        const parsed = parseTargeting(update.targeting);
        if (!parsed.ok)
          throw new HttpError(422, 'PARSE_ERROR', `Targeting of ${update.key} is ${parsed.result.message}`, prefix + update.key);
        if (parsed.value === null) delete next.targeting;
        else next.targeting = parsed.value;
      }
      validateFlagDefinition(update.key, next, evaluators);
      const key = prefix + update.key;
      const changes = [{ key, after: JSON.stringify(next) }];
      const release = await publishKeys(source, changes, {
        namespace: namespaceForKey(key),
        message: update.message,
        ...(req.session.user ? { author: req.session.user } : {}),
      }).catch(approvalRequired);
      // The namespace requires approval: a change request is drafted instead (202).
      if (!release) return draftInstead(req, res, namespaceForKey(key), changes, update.message, source);
      return { release: summary(release) };
    }),
  );
  r.post(
    '/flags/evaluate',
    route(async (req): Promise<FlagEvaluation> => {
      const request = body(req, FlagEvaluate);
      const prefix = withSlash(request.prefix);
      // Evaluate exactly as an application would: the same compiler, over a copy of the prefix.
      const { kvs } = await documents(req.session.flagsSource, prefix);
      const flags = createFlags({
        source: memorySource({ initial: Object.fromEntries(kvs.map((kv) => [kv.key, kv.value])) }),
        prefix,
        report: false,
      });
      await flags.ready();
      const details = flags.evaluate(request.key, request.context);
      await flags.close();
      return {
        value: details.value,
        ...(details.variant ? { variant: details.variant } : {}),
        reason: details.reason,
        ...(details.errorCode ? { errorCode: details.errorCode, errorMessage: details.errorMessage } : {}),
      };
    }),
  );
  return r;
}
