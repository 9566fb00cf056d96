/**
 * The console's HTTP API: every request body and response, declared once. The server validates
 * requests with these schemas, and the UI imports the same file for its calls and types. All paths
 * are under the console's base (`/console/api/...`); every write needs the `x-csrf-token` header.
 */
import { z } from 'zod';

/** Every error: a code (a DialsError code, or HTTP's) and a message that says what and where. */
export const ApiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    key: z.string().optional(),
    /** Schema refusals: which apps refuse which key, and why. */
    refused: z.array(z.object({ key: z.string(), apps: z.array(z.string()), message: z.string() })).optional(),
  }),
});
export type ApiError = z.infer<typeof ApiError>;

// ---- session ---------------------------------------------------------------------------------

/** GET /api/session */
export const Session = z.object({
  /** The etcd user, or null when nobody logged in (etcd auth off, or a file source). */
  user: z.string().nullable(),
  /** Whether etcd checks who does what. When false, the UI says so on every page. */
  authEnabled: z.boolean(),
  /** Whether a login is needed before anything else. */
  loginRequired: z.boolean(),
  /** Send it back in `x-csrf-token` with every write. */
  csrfToken: z.string(),
  /** Where the values live (endpoints or files), for the header. */
  source: z.string(),
  /** Whether this console can write at all (a file source cannot: edit the file; nor can a user whose etcd roles only read). */
  writable: z.boolean(),
  configRoots: z.array(z.string()),
  flagRoots: z.array(z.string()),
});
export type Session = z.infer<typeof Session>;

/** POST /api/login */
export const LoginRequest = z.object({ user: z.string().min(1).max(128), password: z.string().max(1024) });
export type LoginRequest = z.infer<typeof LoginRequest>;

// ---- config ----------------------------------------------------------------------------------

/** GET /api/tree?prefix=... : the next level only, so a namespace of 10 000 keys loads as you open it. */
export const TreeNode = z.object({
  name: z.string(),
  /** A folder's prefix (ends with `/`), or a key. */
  path: z.string(),
  kind: z.enum(['folder', 'key']),
  /** For a folder: the keys under it. */
  count: z.number().optional(),
});
export const Tree = z.object({ prefix: z.string(), revision: z.number(), children: z.array(TreeNode) });
export type Tree = z.infer<typeof Tree>;

/** GET /api/search?q=...&root=... */
export const SearchResult = z.object({ keys: z.array(z.string()), more: z.boolean() });
export type SearchResult = z.infer<typeof SearchResult>;

/** A registered app's rule for a key: what its schema accepts. */
export const KeyRule = z.object({
  app: z.string(),
  jsonSchema: z.record(z.string(), z.unknown()).optional(),
  coerce: z.string().optional(),
  required: z.boolean(),
  unchecked: z.string().optional(),
});

/** A release's change of one key, as shown (secrets redacted). */
export const Change = z.object({ key: z.string(), before: z.string().optional(), after: z.string().optional() });
export type Change = z.infer<typeof Change>;

export const ReleaseSummary = z.object({
  id: z.string(),
  namespace: z.string(),
  author: z.string(),
  message: z.string(),
  at: z.string(),
  revision: z.number(),
  state: z.string().optional(),
  rollbackOf: z.string().optional(),
  forced: z.boolean().optional(),
  changes: z.array(Change),
});
export type ReleaseSummary = z.infer<typeof ReleaseSummary>;

/** GET /api/key?key=...[&reveal=1] */
export const KeyView = z.object({
  key: z.string(),
  /** Absent when the key does not exist. */
  value: z.string().optional(),
  /** `value` was redacted: a secret. `reveal=1` shows it (to whom etcd lets read it). */
  redacted: z.boolean(),
  modRevision: z.number().optional(),
  /** Set when the key is temporary: when its lease runs out (ms since epoch). */
  expiresAt: z.number().optional(),
  rules: z.array(KeyRule),
  history: z.array(ReleaseSummary),
  /** Writes to the key need approvals (a review policy): a save becomes a change request. */
  review: z.object({ required: z.number().int().positive(), policy: z.string() }).optional(),
});
export type KeyView = z.infer<typeof KeyView>;

/** PUT /api/key */
export const WriteKey = z.object({
  key: z.string().min(1).max(4096),
  /** The raw value (JSON text, or plain text). */
  value: z.string().max(1_500_000),
  /** Make it temporary: it goes back by itself after this long. */
  ttlMs: z
    .number()
    .int()
    .positive()
    .max(30 * 86_400_000)
    .optional(),
  message: z.string().max(2_000).optional(),
  force: z.boolean().optional(),
});
export type WriteKey = z.infer<typeof WriteKey>;

/** DELETE /api/key?key=... ; and the answer of every write. */
export const WriteResult = z.object({ release: ReleaseSummary });
export type WriteResult = z.infer<typeof WriteResult>;

// ---- environments ----------------------------------------------------------------------------

/** GET /api/diff?a=...&b=... : compare two prefixes (staging and production). */
export const Diff = z.object({
  a: z.string(),
  b: z.string(),
  onlyA: z.array(z.object({ path: z.string(), value: z.string() })),
  onlyB: z.array(z.object({ path: z.string(), value: z.string() })),
  differ: z.array(z.object({ path: z.string(), a: z.string(), b: z.string() })),
  same: z.number(),
});
export type Diff = z.infer<typeof Diff>;

/** POST /api/promote: copy chosen paths (or all) from `from` to `to`; `apply: false` previews. */
export const Promote = z.object({
  from: z.string(),
  to: z.string(),
  paths: z.array(z.string()).optional(),
  delete: z.boolean().optional(),
  apply: z.boolean(),
  message: z.string().max(2_000).optional(),
});
export type Promote = z.infer<typeof Promote>;
export const PromoteResult = z.object({
  /** Exactly what is (or would be) written. */
  changes: z.array(Change),
  release: ReleaseSummary.optional(),
});
export type PromoteResult = z.infer<typeof PromoteResult>;

// ---- flags -----------------------------------------------------------------------------------

export const FlagSummary = z.object({
  key: z.string(),
  state: z.string(),
  defaultVariant: z.string().nullable(),
  variants: z.array(z.string()),
  targeting: z.unknown().optional(),
  /** From the fleet report: evaluations in every live instance, and the last time any evaluated it. */
  evaluations: z.number(),
  lastEvaluated: z.string().optional(),
  /** A document that does not compile: why. */
  invalid: z.string().optional(),
});
export type FlagSummary = z.infer<typeof FlagSummary>;

/** GET /api/flags?prefix=... */
export const FlagList = z.object({ prefix: z.string(), flags: z.array(FlagSummary) });
export type FlagList = z.infer<typeof FlagList>;

/** POST /api/flags/update: one of state, default variant or targeting; checked by the flags compiler first. */
export const FlagUpdate = z.object({
  prefix: z.string(),
  key: z.string(),
  state: z.enum(['ENABLED', 'DISABLED']).optional(),
  defaultVariant: z.string().optional(),
  /** The targeting rule as JSON text (`null` removes it). */
  targeting: z.string().max(1_000_000).optional(),
  message: z.string().max(2_000).optional(),
});
export type FlagUpdate = z.infer<typeof FlagUpdate>;

/** POST /api/flags/check: validate a targeting rule while it is typed. */
export const FlagCheck = z.object({ prefix: z.string(), key: z.string(), targeting: z.string().max(1_000_000) });
export type FlagCheck = z.infer<typeof FlagCheck>;
export const FlagCheckResult = z.object({
  ok: z.boolean(),
  message: z.string().optional(),
  /** Where the JSON breaks, when it does not parse. */
  line: z.number().optional(),
  column: z.number().optional(),
});
export type FlagCheckResult = z.infer<typeof FlagCheckResult>;

/** POST /api/flags/evaluate */
export const FlagEvaluate = z.object({ prefix: z.string(), key: z.string(), context: z.record(z.string(), z.unknown()) });
export type FlagEvaluate = z.infer<typeof FlagEvaluate>;
export const FlagEvaluation = z.object({
  value: z.unknown(),
  variant: z.string().optional(),
  reason: z.string(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type FlagEvaluation = z.infer<typeof FlagEvaluation>;

// ---- releases --------------------------------------------------------------------------------

/** GET /api/releases?namespace=... ; with no namespace, the namespaces that have releases. */
export const ReleaseList = z.object({ namespace: z.string(), namespaces: z.array(z.string()), releases: z.array(ReleaseSummary) });
export type ReleaseList = z.infer<typeof ReleaseList>;

/** POST /api/rollback: `apply: false` returns the inverse diff to confirm. */
export const Rollback = z.object({ namespace: z.string(), id: z.string(), apply: z.boolean(), message: z.string().max(2_000).optional() });
export type Rollback = z.infer<typeof Rollback>;
export const RollbackResult = z.object({ changes: z.array(Change), release: ReleaseSummary.optional() });
export type RollbackResult = z.infer<typeof RollbackResult>;

// ---- fleet -----------------------------------------------------------------------------------

export const Instance = z.object({
  id: z.string(),
  app: z.string(),
  host: z.string(),
  pid: z.number(),
  version: z.string(),
  status: z.string(),
  revision: z.number(),
  behind: z.number(),
  labels: z.record(z.string(), z.string()),
  refused: z.array(z.object({ key: z.string(), path: z.string(), reason: z.string(), message: z.string(), raw: z.string().optional() })),
  startedAt: z.string(),
});
export type Instance = z.infer<typeof Instance>;

/** GET /api/fleet?namespace=... ; with no namespace, the namespaces that have instances. */
export const Fleet = z.object({
  namespace: z.string(),
  namespaces: z.array(z.string()),
  instances: z.array(Instance),
  lagging: z.array(z.string()),
  unhealthy: z.array(z.string()),
});
export type Fleet = z.infer<typeof Fleet>;

/** GET /api/cluster */
export const Cluster = z.object({
  available: z.boolean(),
  message: z.string().optional(),
  leader: z.string().optional(),
  members: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      healthy: z.boolean(),
      isLeader: z.boolean().optional(),
      version: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
});
export type Cluster = z.infer<typeof Cluster>;

// ---- live updates ----------------------------------------------------------------------------

/** GET /api/events?prefix=... (Server-Sent Events): one `change` event per revision under the prefix. */
export const ChangeEvent = z.object({
  revision: z.number(),
  changes: z.array(z.object({ key: z.string(), type: z.enum(['put', 'delete']) })),
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;

// ---- OFREP API keys ----------------------------------------------------------------------------

/** GET /api/ofrep-keys?namespace=... : the keys of a flags namespace (their hashes and labels; never the keys). */
export const OfrepKeyList = z.object({
  namespace: z.string(),
  keys: z.array(z.object({ hash: z.string(), label: z.string(), createdAt: z.string(), createdBy: z.string() })),
});
export type OfrepKeyList = z.infer<typeof OfrepKeyList>;

/** POST /api/ofrep-keys: make a key; the answer holds it once, and never again. */
export const CreateOfrepKey = z.object({ namespace: z.string().min(1), label: z.string().max(200).optional() });
export type CreateOfrepKey = z.infer<typeof CreateOfrepKey>;
export const CreatedOfrepKey = z.object({ key: z.string(), hash: z.string(), namespace: z.string() });
export type CreatedOfrepKey = z.infer<typeof CreatedOfrepKey>;

/** DELETE /api/ofrep-keys?namespace=...&hash=... : revoke a key; requests with it are refused at once. */
export const RevokedOfrepKey = z.object({ namespace: z.string(), hash: z.string() });
export type RevokedOfrepKey = z.infer<typeof RevokedOfrepKey>;
