export { capability, clusterStatus } from './capabilities.js';
export {
  type ChangeSet,
  type ConfigChange,
  createDials,
  Dials,
  type DialsOptions,
  type DialsSnapshot,
  type DialsStats,
  type PublishChange,
  type PublishOptions,
} from './dials.js';
export { asDialsError, DialsError, type DialsErrorCode, type DialsErrorDetails, isDialsError, messageOf } from './errors.js';
export { type EtcdHttpSourceOptions, etcdHttpSource } from './etcd-http-source.js';
export { EtcdSource, type EtcdSourceOptions, etcdSource, parseEndpoints } from './etcd-source.js';
export { type FileSourceOptions, fileSource, flattenDocument } from './file-source.js';
export { type HealthReport, healthOf } from './health.js';
export { buildConfigTree, type ConfigTreeOptions } from './internal/config-tree.js';
export { releaseSource, retainSource } from './internal/lifecycle.js';
export { type HeldLock, type LockOptions, withLock } from './locks.js';
export { type MemorySourceOptions, memorySource } from './memory-source.js';
export { configChanges, type KeyChange, MAX_TXN_OPS, type PublishKeysOptions, publishKeys, rollbackRelease } from './publish.js';
export { getRelease, listReleases, namespaceOf, RELEASES_PREFIX, type Release, type ReleaseChange } from './releases.js';
export type { ConfigOf, InferOutput, SchemaMap, StandardIssue, StandardResult, StandardSchemaV1, ValueAt } from './schema.js';
export { DEFAULT_SECRET_PATTERN, isSecretPath, REDACTED } from './secrets.js';
export type {
  Capabilities,
  CapabilityName,
  Cluster,
  ClusterStatus,
  DialsStatus,
  KeyValue,
  Lease,
  Leases,
  LockHandle,
  Locks,
  MemberStatus,
  PrefixListener,
  PrefixWatch,
  PutOptions,
  RangeResult,
  RefusedKey,
  Source,
  Transactions,
  TxnCompare,
  TxnOp,
  TxnResult,
  WatchBatch,
  WatchEvent,
} from './types.js';
