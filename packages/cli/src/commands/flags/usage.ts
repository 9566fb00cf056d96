import { FLAG_USAGE_PREFIX, fleetStatus, namespaceOf, type Source } from '@dials/core';
import { decode } from '../../args.js';

/** Each flag's use across the fleet: live counts from the instances' reports, last evaluations from the lasting records. */
export interface FleetFlagUsage {
  evaluations: number;
  variants: Record<string, number>;
  lastEvaluated?: string;
}

export async function fleetUsage(source: Source, prefix: string): Promise<Map<string, FleetFlagUsage>> {
  const namespace = namespaceOf(prefix);
  const usage = new Map<string, FleetFlagUsage>();
  const seen = (flag: string) => {
    let entry = usage.get(flag);
    if (!entry) {
      entry = { evaluations: 0, variants: {} };
      usage.set(flag, entry);
    }
    return entry;
  };
  const later = (entry: FleetFlagUsage, at: string | undefined) => {
    if (at && (!entry.lastEvaluated || at > entry.lastEvaluated)) entry.lastEvaluated = at;
  };
  const [fleet, lasting] = await Promise.all([fleetStatus(source, namespace), source.list(`${FLAG_USAGE_PREFIX}${namespace}/`)]);
  for (const instance of fleet.instances) {
    for (const [flag, u] of Object.entries(instance.flags ?? {})) {
      const entry = seen(flag);
      entry.evaluations += u.evaluations;
      for (const [variant, n] of Object.entries(u.variants)) entry.variants[variant] = (entry.variants[variant] ?? 0) + n;
      later(entry, u.lastEvaluated);
    }
  }
  for (const kv of lasting.kvs)
    later(seen(kv.key.slice(kv.key.lastIndexOf('/') + 1)), (decode(kv.value) as { lastEvaluated?: string })?.lastEvaluated);
  return usage;
}

/** "3 h ago", "12 d ago": how long since `iso`. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = now - Date.parse(iso);
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
  ] as const)
    if (ms >= size) return `${Math.floor(ms / size)} ${unit} ago`;
  return 'just now';
}
