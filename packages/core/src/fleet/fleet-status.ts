import { isDialsError } from '../errors.js';
import { RELEASES_PREFIX } from '../releases.js';
import type { Source } from '../types.js';
import { INSTANCES_PREFIX, type InstanceReport } from './instance-report.js';
import { type OutsideRelease, outsideReleases } from './outside-releases.js';

/** One key that running instances refuse, with who refuses it. */
export interface RefusedAcrossFleet {
  readonly key: string;
  readonly path: string;
  readonly reason: string;
  readonly message: string;
  readonly raw?: string;
  /** The instances refusing it (ids), and their apps. */
  readonly instances: readonly string[];
  readonly apps: readonly string[];
}

/** The fleet of one namespace, as its instances report it. */
export interface FleetStatus {
  readonly namespace: string;
  /** Every live instance, with how many revisions it is behind (0: up to date). */
  readonly instances: readonly (InstanceReport & { readonly behind: number })[];
  /** Instances that have not applied the latest change of their prefixes. */
  readonly lagging: readonly string[];
  /** Instances whose status is not ready or degraded (stale, connecting, error). */
  readonly unhealthy: readonly string[];
  /** Refused keys, each with the instances that refuse it. */
  readonly refused: readonly RefusedAcrossFleet[];
  /** Each gray release some instance applies, with those instances (ids). */
  readonly gray: Readonly<Record<string, readonly string[]>>;
  /** Keys of the namespace last written outside any release (etcdctl, another client): best-effort, see `outsideReleases()`. */
  readonly outsideReleases: readonly OutsideRelease[];
  /** Reports that could not be read (and the releases or keys of the namespace, when the role may not read them). */
  readonly unreadable: readonly string[];
}

/** The latest change under each of `prefixes` (the highest mod revision of their keys). */
async function latestOf(source: Source, prefixes: readonly string[], cache: Map<string, number>): Promise<number> {
  let latest = 0;
  for (const prefix of prefixes) {
    let revision = cache.get(prefix);
    if (revision === undefined) {
      revision = 0;
      for (const kv of (await source.list(prefix)).kvs) if (kv.modRevision > revision) revision = kv.modRevision;
      cache.set(prefix, revision);
    }
    latest = Math.max(latest, revision);
  }
  return latest;
}

/**
 * What the running instances of `namespace` (e.g. `config/shop/production`) report: each one's
 * applied revision against the latest change of its prefixes, the lagging and unhealthy ones, and
 * the keys they refuse grouped by key with the instances that refuse them, and the keys last
 * written outside any release.
 */
export async function fleetStatus(source: Source, namespace: string): Promise<FleetStatus> {
  const { kvs } = await source.list(`${INSTANCES_PREFIX}${namespace}/`);
  const reports: InstanceReport[] = [];
  const unreadable: string[] = [];
  for (const kv of kvs) {
    try {
      const report = JSON.parse(kv.value) as InstanceReport;
      if (typeof report.id !== 'string' || !Array.isArray(report.prefixes) || typeof report.revision !== 'number')
        throw new Error('not a report');
      reports.push(report);
    } catch {
      unreadable.push(kv.key);
    }
  }
  // A role that may not read the releases cannot judge what was written outside them: said in `unreadable`.
  const outside = await outsideReleases(source, namespace).catch((error: unknown) => {
    if (!isDialsError(error) || error.code !== 'PERMISSION_DENIED') throw error;
    unreadable.push(error.key ?? `${RELEASES_PREFIX}${namespace}/`);
    return [];
  });
  const cache = new Map<string, number>();
  const instances = await Promise.all(
    reports.map(async (report) => ({ ...report, behind: Math.max(0, (await latestOf(source, report.prefixes, cache)) - report.revision) })),
  );
  const refused = new Map<
    string,
    { key: string; path: string; reason: string; message: string; raw?: string; instances: string[]; apps: Set<string> }
  >();
  for (const instance of instances) {
    for (const r of instance.refused ?? []) {
      const entry = refused.get(r.key) ?? {
        key: r.key,
        path: r.path,
        reason: r.reason,
        message: r.message,
        ...(r.raw ? { raw: r.raw } : {}),
        instances: [],
        apps: new Set<string>(),
      };
      entry.instances.push(instance.id);
      entry.apps.add(instance.app);
      refused.set(r.key, entry);
    }
  }
  const gray = new Map<string, string[]>();
  for (const instance of instances) {
    for (const id of Array.isArray(instance.gray) ? instance.gray : [])
      gray.set(String(id), [...(gray.get(String(id)) ?? []), instance.id]);
  }
  return {
    namespace,
    instances,
    lagging: instances.filter((i) => i.behind > 0).map((i) => i.id),
    unhealthy: instances.filter((i) => i.status !== 'ready' && i.status !== 'degraded').map((i) => i.id),
    refused: [...refused.values()].map((r) => ({ ...r, apps: [...r.apps] })),
    gray: Object.fromEntries(gray),
    outsideReleases: outside,
    unreadable,
  };
}
