import {
  approvalsNeeded,
  isSecretPath,
  type KeyListing,
  listReleases,
  loadSchemas,
  policyKey,
  publishKeys,
  type Release,
  redactRaw,
  type Source,
} from '@dials/core';
import { type Router, Router as router } from 'express';
import { type KeyView, type ReleaseSummary, type Tree, WriteKey } from '../../api/contract.js';
import { body, HttpError, query, route } from '../http.js';
import { approvalRequired, draftInstead } from './changes.js';
import { namespaceForKey, summary } from './release-summary.js';

/** What a review policy asks of a write to `key` (nothing when none does, or none can be read). */
async function reviewOf(source: Source, key: string): Promise<Pick<KeyView, 'review'>> {
  const namespace = namespaceForKey(key);
  const need = await approvalsNeeded(source, namespace, [key]).catch(() => ({ required: 0, by: undefined }));
  return need.required > 0 ? { review: { required: need.required, policy: policyKey(need.by ?? namespace) } } : {};
}

/** The keys under `prefix` without their values: etcd leaves them out (`keys_only`); another source lists them. */
export async function keysUnder(source: Source, prefix: string): Promise<KeyListing> {
  if (source.listKeys) return source.listKeys(prefix);
  const { revision, kvs } = await source.list(prefix);
  return { revision, keys: kvs.map((kv) => kv.key) };
}

const listing = new WeakMap<Source, Map<string, Promise<KeyListing>>>();

/**
 * The keys under `prefix`, or the part under `prefix` of a listing of a folder above it that is
 * under way: a link deep into a big namespace opens every folder on its way at once, and etcd reads
 * the namespace once instead of once per level.
 */
async function listShared(source: Source, prefix: string): Promise<KeyListing> {
  const lists = listing.get(source) ?? new Map<string, Promise<KeyListing>>();
  listing.set(source, lists);
  for (const [above, pending] of lists) {
    if (!prefix.startsWith(above)) continue;
    const whole = await pending;
    return { revision: whole.revision, keys: whole.keys.filter((key) => key.startsWith(prefix)) };
  }
  const pending = keysUnder(source, prefix);
  lists.set(prefix, pending);
  try {
    return await pending;
  } finally {
    lists.delete(prefix);
  }
}

/** The next level under `prefix`: folders with their key counts, and keys. Only keys are read, never values. */
export async function tree(source: Source, prefix: string): Promise<Tree> {
  const { keys: under, revision } = await listShared(source, prefix);
  const folders = new Map<string, number>();
  const keys: string[] = [];
  for (const key of under) {
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash === -1) keys.push(key);
    else {
      const folder = rest.slice(0, slash);
      folders.set(folder, (folders.get(folder) ?? 0) + 1);
    }
  }
  return {
    prefix,
    revision,
    children: [
      ...[...folders].map(([name, count]) => ({ name, path: `${prefix}${name}/`, kind: 'folder' as const, count })),
      ...keys.map((key) => ({ name: key.slice(prefix.length), path: key, kind: 'key' as const })),
    ],
  };
}

/** Releases that changed `key`: those of each namespace the key lies in, newest first. */
async function historyOf(source: Source, key: string): Promise<ReleaseSummary[]> {
  const segments = key.split('/').filter(Boolean);
  const namespaces = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
  const found: Release[] = [];
  for (const namespace of namespaces.filter((n) => n.includes('/'))) {
    const releases = await listReleases(source, namespace, { limit: 200 }).catch(() => []);
    for (const release of releases) if (release.changes.some((c) => c.key === key)) found.push(release);
  }
  return found
    .sort((a, b) => b.revision - a.revision)
    .slice(0, 20)
    .map(summary);
}

/** The routes of the Config view: the tree, search, one key with its rules and history, writes. */
export function configRoutes(): Router {
  const r = router();
  r.get(
    '/tree',
    route(async (req) => tree(req.session.source, typeof req.query.prefix === 'string' ? req.query.prefix : '')),
  );
  r.get(
    '/search',
    route(async (req) => {
      const needle = query(req, 'q').toLowerCase();
      const root = typeof req.query.root === 'string' ? req.query.root : '';
      const keys = (await keysUnder(req.session.source, root)).keys.filter((key) => key.toLowerCase().includes(needle));
      return { keys: keys.slice(0, 100), more: keys.length > 100 };
    }),
  );
  r.get(
    '/key',
    route(async (req): Promise<KeyView> => {
      const key = query(req, 'key');
      const source = req.session.source;
      const kv = await source.get(key);
      const reveal = req.query.reveal === '1';
      const value = kv === undefined ? undefined : reveal ? kv.value : redactRaw(key, kv.value);
      const remaining = kv && kv.lease !== '0' ? await source.leases?.remainingMs(kv.lease).catch(() => undefined) : undefined;
      const schemas = await loadSchemas(source).catch(() => []);
      const rules = schemas.flatMap((s) => {
        const rule = key.startsWith(`/${s.namespace}/`) ? s.paths[key.slice(s.namespace.length + 2)] : undefined;
        if (!rule || !Object.hasOwn(s.paths, key.slice(s.namespace.length + 2))) return [];
        return [
          {
            app: s.app,
            required: rule.required,
            ...(rule.jsonSchema ? { jsonSchema: { ...rule.jsonSchema } } : {}),
            ...(rule.coerce ? { coerce: rule.coerce } : {}),
            ...(rule.unchecked ? { unchecked: rule.unchecked } : {}),
          },
        ];
      });
      return {
        key,
        ...(value === undefined ? {} : { value }),
        redacted: kv !== undefined && value !== kv.value,
        ...(kv ? { modRevision: kv.modRevision } : {}),
        ...(remaining !== undefined && Number.isFinite(remaining) ? { expiresAt: Date.now() + remaining } : {}),
        rules,
        history: await historyOf(source, key),
        ...(await reviewOf(source, key)),
      };
    }),
  );
  r.put(
    '/key',
    route(async (req, res) => {
      const write = body(req, WriteKey);
      if (write.value === '<redacted>' && isSecretPath(write.key)) {
        throw new HttpError(
          422,
          'INVALID_VALUE',
          `${write.key}: "<redacted>" is the placeholder of a hidden secret, not a value`,
          write.key,
        );
      }
      const namespace = namespaceForKey(write.key);
      const changes = [{ key: write.key, after: write.value }];
      const release = await publishKeys(req.session.source, changes, {
        namespace,
        message: write.message,
        ttlMs: write.ttlMs,
        force: write.force,
        ...(req.session.user ? { author: req.session.user } : {}),
      }).catch(approvalRequired);
      if (!release) return draftInstead(req, res, namespace, changes, write.message);
      return { release: summary(release) };
    }),
  );
  r.delete(
    '/key',
    route(async (req, res) => {
      const key = query(req, 'key');
      const changes = [{ key, after: undefined }];
      const release = await publishKeys(req.session.source, changes, {
        namespace: namespaceForKey(key),
        ...(req.session.user ? { author: req.session.user } : {}),
      }).catch(approvalRequired);
      if (!release) return draftInstead(req, res, namespaceForKey(key), changes, undefined);
      return { release: summary(release) };
    }),
  );
  return r;
}
