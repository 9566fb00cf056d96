import type { DialsStatus, RefusedKey, Source } from './types.js';

/** What a health endpoint says: for load balancers (`serving`) and for people (the rest). */
export interface HealthReport {
  /** The worst of the instances' statuses: `error`, `connecting`, `stale`, `degraded`, `ready`. */
  readonly status: DialsStatus;
  /** Whether values are served: `ready`, `degraded` (last good values for refused keys) or `stale` (etcd unreachable). */
  readonly serving: boolean;
  readonly stale: boolean;
  readonly revision: number;
  readonly source: string;
  /** Keys refused by the schema, whose last good value (if any) is served. Secret values are left out. */
  readonly refused: readonly RefusedKey[];
  readonly flags?: { readonly status: DialsStatus; readonly count: number };
}

const WORST_FIRST: readonly DialsStatus[] = ['error', 'closed', 'connecting', 'stale', 'degraded', 'ready'];

/** The health of a Dials instance and, optionally, its flags: what `dialsHealth()` and Nest's indicator answer. */
export function healthOf(
  dials: { readonly status: DialsStatus; readonly revision: number; readonly source: Source; readonly refused: readonly RefusedKey[] },
  flags?: { readonly status: DialsStatus; keys(): readonly string[] },
): HealthReport {
  const statuses = [dials.status, ...(flags ? [flags.status] : [])];
  const worst = WORST_FIRST.find((s) => statuses.includes(s)) ?? 'ready';
  const status = worst === 'closed' ? 'error' : worst;
  return {
    status,
    serving: status === 'ready' || status === 'degraded' || status === 'stale',
    stale: status === 'stale',
    revision: dials.revision,
    source: dials.source.description,
    refused: dials.refused,
    ...(flags ? { flags: { status: flags.status, count: flags.keys().length } } : {}),
  };
}
