import { DialsError } from './errors.js';
import type { Capabilities, CapabilityName, ClusterStatus, Source } from './types.js';

/**
 * The capability `name` of `source`, or an UNSUPPORTED DialsError naming the feature, the
 * capability and the source.
 */
export function capability<TName extends CapabilityName>(source: Source, name: TName, feature: string): NonNullable<Capabilities[TName]> {
  const found = source[name];
  if (found) return found as NonNullable<Capabilities[TName]>;
  throw new DialsError(
    'UNSUPPORTED',
    `${feature} needs ${name}, which the ${source.kind} source ${source.description} does not offer; use a source that does (etcd offers all)`,
    { endpoint: source.description },
  );
}

/** The cluster's members, leader, health and alarms: `etcdctl endpoint status` and `member list` in one. */
export function clusterStatus(source: Source): Promise<ClusterStatus> {
  try {
    return capability(source, 'cluster', 'clusterStatus()').status();
  } catch (error) {
    return Promise.reject(error);
  }
}
