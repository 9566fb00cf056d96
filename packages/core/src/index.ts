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
export { DialsError, type DialsErrorCode, type DialsErrorDetails, isDialsError } from './errors.js';
export { type ClusterStatus, EtcdSource, type EtcdSourceOptions, etcdSource, type MemberStatus, parseEndpoints } from './etcd-source.js';
export { type FileSourceOptions, fileSource, flattenDocument } from './file-source.js';
export { buildConfigTree, type ConfigTreeOptions } from './internal/config-tree.js';
export { releaseSource, retainSource } from './internal/lifecycle.js';
export { type MemorySourceOptions, memorySource } from './memory-source.js';
export {
  getRelease,
  type KeyChange,
  type LockOptions,
  listReleases,
  MAX_TXN_OPS,
  namespaceOf,
  type PublishKeysOptions,
  publishKeys,
  RELEASES_PREFIX,
  type Release,
  type ReleaseChange,
  rollbackRelease,
  withLock,
} from './publish.js';
export type { ConfigOf, InferOutput, SchemaMap, StandardIssue, StandardResult, StandardSchemaV1, ValueAt } from './schema.js';
export { DEFAULT_SECRET_PATTERN, isSecretPath, REDACTED } from './secrets.js';
export type {
  DialsStatus,
  KeyValue,
  PrefixListener,
  PrefixWatch,
  PutOptions,
  RangeResult,
  Source,
  TxnCompare,
  TxnOp,
  TxnResult,
  WatchBatch,
  WatchEvent,
} from './types.js';
