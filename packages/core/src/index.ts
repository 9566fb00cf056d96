export { capability, clusterStatus } from './capabilities.js';
export { configChanges } from './config-changes.js';
export type { ChangeRequestLink } from './delivery/approval-gate.js';
export {
  CHANGES_PREFIX,
  type ChangeRequest,
  type ChangeRequestAction,
  type ChangeRequestChange,
  type ChangeRequestEvent,
  type ChangeRequestReview,
  type ChangeRequestState,
  getChangeRequest,
  type ListChangeRequestsOptions,
  listChangeRequests,
  parseChangeRequest,
} from './delivery/change-request.js';
export { type ApplyChangeRequestOptions, type ApplyChangeRequestResult, applyChangeRequest } from './delivery/change-request-apply.js';
export type { DraftChange } from './delivery/change-request-draft.js';
export {
  approveChangeRequest,
  type CreateChangeRequestOptions,
  cancelChangeRequest,
  createChangeRequest,
  editChangeRequest,
  rejectChangeRequest,
  scheduleChangeRequest,
  unscheduleChangeRequest,
} from './delivery/change-requests.js';
export { type GrayReleaseOptions, grayRelease } from './delivery/gray.js';
export {
  abandonGray,
  advanceGray,
  type GrayReleaseState,
  getGray,
  type ListGrayOptions,
  listGray,
  pauseGray,
  promoteGray,
  resumeGray,
} from './delivery/gray-control.js';
export {
  GRAY_PREFIX,
  type GrayOptions,
  type GrayRelease,
  type GrayStep,
  grayBucket,
  grayStep,
  labelsMatch,
  onGrayRelease,
  parseGrayHeader,
} from './delivery/gray-model.js';
export {
  type ApprovalNeed,
  approvalsNeeded,
  getPolicy,
  POLICY_PREFIX,
  type Policy,
  policyKey,
  requestApprovals,
  setPolicy,
} from './delivery/policy.js';
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
export { type FleetStatus, fleetStatus, type RefusedAcrossFleet } from './fleet/fleet-status.js';
export { FLAG_USAGE_PREFIX, type FlagUsage, INSTANCES_PREFIX, type InstanceReport } from './fleet/instance-report.js';
export { type OutsideRelease, outsideReleases } from './fleet/outside-releases.js';
export { checkWrites, type SchemaRefusal } from './fleet/schema-check.js';
export { describeSchema, loadSchemas, type PathRule, type RegisteredSchema, SCHEMAS_PREFIX } from './fleet/schema-registry.js';
export { type HealthReport, healthOf } from './health.js';
export { IN_PROGRESS_PREFIX, type InProgressMark, inProgressKey, parseMark } from './in-progress.js';
export { buildConfigTree, type ConfigTreeOptions, isUnsafePath } from './internal/config-tree.js';
export { duplicateJsonKey } from './internal/json-duplicates.js';
export { releaseSource, retainSource } from './internal/lifecycle.js';
export { type HeldLock, type LockOptions, withLock } from './locks.js';
export { type MemorySourceOptions, memorySource } from './memory-source.js';
export { defaultAuthor, type KeyChange, MAX_TXN_OPS, type PublishKeysOptions, publishKeys } from './publish.js';
export { abortRelease, resumeRelease, type UnfinishedReleases, unfinishedReleases } from './release-recovery.js';
export {
  getRelease,
  inNamespace,
  type ListReleasesOptions,
  listReleases,
  namespaceOf,
  RELEASES_PREFIX,
  type Release,
  type ReleaseChange,
} from './releases.js';
export { rollbackPlan, rollbackRelease } from './rollback.js';
export type { ConfigOf, InferOutput, SchemaMap, StandardIssue, StandardResult, StandardSchemaV1, ValueAt } from './schema.js';
export { DEFAULT_SECRET_PATTERN, DEFAULT_SECRETS, holdsSecret, isSecretPath, REDACTED, redactRaw, shownValue } from './secrets.js';
export type {
  Capabilities,
  CapabilityName,
  Cluster,
  ClusterStatus,
  DialsStatus,
  History,
  KeyListing,
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
export { DIALS_VERSION } from './version.js';
