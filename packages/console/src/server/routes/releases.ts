import {
  clusterStatus,
  fleetStatus,
  getRelease,
  INSTANCES_PREFIX,
  isDialsError,
  listReleases,
  RELEASES_PREFIX,
  redactRaw,
  rollbackPlan,
  rollbackRelease,
  type Source,
} from '@dials/core';
import { type Router, Router as router } from 'express';
import { type Cluster, type Fleet, type ReleaseList, Rollback, type RollbackResult } from '../../api/contract.js';
import type { DraftedInstead } from '../../api/delivery-contract.js';
import { body, route } from '../http.js';
import { approvalRequired, draftInstead } from './changes.js';
import { summary } from './release-summary.js';

/** The namespaces that have keys under `root` (`/dials/releases/`): each key's path without its last `depth` segments. */
async function namespacesUnder(source: Source, root: string, depth: number): Promise<string[]> {
  const found = new Set<string>();
  for (const kv of (await source.list(root)).kvs) {
    const segments = kv.key.slice(root.length).split('/');
    if (segments.length > depth) found.add(segments.slice(0, segments.length - depth).join('/'));
  }
  return [...found].sort();
}

/** The routes of the Releases and Fleet views. */
export function releaseRoutes(): Router {
  const r = router();
  r.get(
    '/releases',
    route(async (req): Promise<ReleaseList> => {
      const namespace = typeof req.query.namespace === 'string' ? req.query.namespace : '';
      const source = req.session.source;
      // A record's key is <namespace>/<id>, a part's <namespace>/<id>/<n>: namespaces are the paths of ids.
      const namespaces = (await namespacesUnder(source, RELEASES_PREFIX, 1)).filter((n) => !/\/(\d{20}|pending-[0-9a-f]+)$/.test(n));
      const releases = namespace === '' ? [] : (await listReleases(source, namespace, { limit: 100 })).map(summary);
      return { namespace, namespaces, releases };
    }),
  );
  r.post(
    '/rollback',
    route(async (req, res): Promise<RollbackResult | DraftedInstead> => {
      const request = body(req, Rollback);
      const source = req.session.source;
      const release = await getRelease(source, request.namespace, request.id);
      const plan = await rollbackPlan(source, release);
      const now = new Map((await Promise.all(plan.map((c) => source.get(c.key)))).map((kv, i) => [plan[i]?.key as string, kv?.value]));
      const changes = plan.map((c) => {
        const before = now.get(c.key);
        return {
          key: c.key,
          ...(before === undefined ? {} : { before: redactRaw(c.key, before) }),
          ...(c.after === undefined ? {} : { after: redactRaw(c.key, c.after) }),
        };
      });
      if (!request.apply) return { changes };
      const undo = await rollbackRelease(source, release, {
        message: request.message,
        ...(req.session.user ? { author: req.session.user } : {}),
      }).catch(approvalRequired);
      // The namespace requires approval: a change request is drafted instead (202).
      if (!undo)
        return draftInstead(req, res, release.namespace, plan, request.message ?? `roll back release ${release.id.replace(/^0+/, '')}`);
      return { changes, release: summary(undo) };
    }),
  );
  r.get(
    '/fleet',
    route(async (req): Promise<Fleet> => {
      const namespace = typeof req.query.namespace === 'string' ? req.query.namespace : '';
      const source = req.session.source;
      const namespaces = await namespacesUnder(source, INSTANCES_PREFIX, 1);
      if (namespace === '') return { namespace, namespaces, instances: [], lagging: [], unhealthy: [] };
      const fleet = await fleetStatus(source, namespace);
      return {
        namespace,
        namespaces,
        instances: fleet.instances.map((i) => ({
          id: i.id,
          app: i.app,
          host: i.host,
          pid: i.pid,
          version: i.version,
          status: i.status,
          revision: i.revision,
          behind: i.behind,
          labels: { ...i.labels },
          refused: i.refused.map((x) => ({
            key: x.key,
            path: x.path,
            reason: x.reason,
            message: x.message,
            ...(x.raw ? { raw: x.raw } : {}),
          })),
          startedAt: i.startedAt,
        })),
        lagging: [...fleet.lagging],
        unhealthy: [...fleet.unhealthy],
      };
    }),
  );
  r.get(
    '/cluster',
    route(async (req): Promise<Cluster> => {
      try {
        const status = await clusterStatus(req.session.source);
        return {
          available: true,
          ...(status.leader ? { leader: status.leader } : {}),
          members: status.members.map((m) => ({
            id: m.id,
            name: m.name,
            healthy: m.healthy,
            ...(m.isLeader === undefined ? {} : { isLeader: m.isLeader }),
            ...(m.version ? { version: m.version } : {}),
            ...(m.error ? { error: m.error } : {}),
          })),
        };
      } catch (error) {
        if (isDialsError(error) && error.code === 'UNSUPPORTED') return { available: false, message: error.message, members: [] };
        throw error;
      }
    }),
  );
  return r;
}
