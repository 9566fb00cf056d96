import { Cluster, Fleet } from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';

/** Every HTTP call of the Fleet view. */

/** The instances of a namespace; with no namespace, the namespaces that have instances. */
export const loadFleet = (namespace: string) => call(Fleet, `/fleet${query({ namespace: namespace || undefined })}`);

/** etcd's members, leader and health (not available on a file source). */
export const loadCluster = () => call(Cluster, '/cluster');
