/**
 * The console's API for safe delivery: change requests (review before a write) and gray releases
 * (values for a labelled part of the fleet first). As `contract.ts`: the server validates requests
 * with these schemas, the UI checks every answer with them; every write needs `x-csrf-token`.
 */
import { z } from 'zod';
import { Change, ReleaseSummary } from './contract.js';

// ---- change requests -------------------------------------------------------------------------

export const Review = z.object({ by: z.string(), at: z.string(), reason: z.string().optional() });
export type Review = z.infer<typeof Review>;

/** A change request as shown (secrets redacted): its diff against its base revision, reviews, schedule and history. */
export const ChangeRequestView = z.object({
  id: z.string(),
  namespace: z.string(),
  author: z.string(),
  createdAt: z.string(),
  title: z.string(),
  message: z.string().optional(),
  baseRevision: z.number(),
  changes: z.array(Change),
  approvals: z.array(Review),
  rejections: z.array(Review),
  state: z.enum(['open', 'approved', 'rejected', 'applied', 'cancelled']),
  schedule: z.object({ at: z.string(), by: z.string() }).optional(),
  history: z.array(z.object({ at: z.string(), by: z.string(), action: z.string(), detail: z.string().optional() })),
  /** The release that applied it. */
  release: z.string().optional(),
  /** The approvals the namespace's policies require now (at least 1). */
  required: z.number(),
  /** Who wrote its changes (its author and editors): none of them may approve it. */
  writers: z.array(z.string()),
});
export type ChangeRequestView = z.infer<typeof ChangeRequestView>;

/** GET /api/changes?namespace=... : a namespace's requests, newest first; and the namespaces that have requests. */
export const ChangeRequestList = z.object({
  namespace: z.string(),
  namespaces: z.array(z.string()),
  requests: z.array(ChangeRequestView),
});
export type ChangeRequestList = z.infer<typeof ChangeRequestList>;

/** One key to change: `value` is the raw value to write; without it the key is deleted. */
export const DraftChange = z.object({ key: z.string().min(1).max(4096), value: z.string().max(1_500_000).optional() });
export type DraftChange = z.infer<typeof DraftChange>;

/** POST /api/changes : draft a change request (nothing is written to the config). */
export const CreateChangeRequest = z.object({
  namespace: z.string().min(1).max(1024),
  title: z.string().max(200).optional(),
  message: z.string().max(2_000).optional(),
  changes: z.array(DraftChange).min(1).max(1_000),
});
export type CreateChangeRequest = z.infer<typeof CreateChangeRequest>;

/** POST /api/changes/<action> : approve, reject, apply, cancel, schedule (needs `at`) or unschedule one request. */
export const ChangeRequestAction = z.object({
  namespace: z.string().min(1).max(1024),
  id: z.string().min(1).max(20),
  /** The approval's or rejection's comment. */
  comment: z.string().max(2_000).optional(),
  /** When to apply it (an ISO time), for schedule. */
  at: z.string().max(64).optional(),
});
export type ChangeRequestAction = z.infer<typeof ChangeRequestAction>;

/** The answer of every action: the request as it is now, and (apply) the release that applied it. */
export const ChangeRequestResult = z.object({ request: ChangeRequestView, release: ReleaseSummary.optional() });
export type ChangeRequestResult = z.infer<typeof ChangeRequestResult>;

/** What a console write to a namespace that requires approval answers (202): the change request drafted for it. */
export const DraftedInstead = z.object({ changeRequest: z.object({ namespace: z.string(), id: z.string() }), message: z.string() });
export type DraftedInstead = z.infer<typeof DraftedInstead>;

// ---- gray releases ---------------------------------------------------------------------------

/** A gray release as shown: who it selects, its steps and where they are, its values (redacted), who is on it. */
export const GrayView = z.object({
  id: z.string(),
  namespace: z.string(),
  author: z.string(),
  message: z.string(),
  startedAt: z.string(),
  state: z.string(),
  labels: z.record(z.string(), z.string()),
  steps: z.array(z.number()).optional(),
  stepMs: z.number().optional(),
  paused: z.boolean(),
  step: z.object({ index: z.number(), percent: z.number(), nextAt: z.number().optional() }),
  values: z.array(z.object({ key: z.string(), value: z.string() })),
  /** Instances that report applying it (the fleet report). */
  instances: z.array(z.object({ id: z.string(), app: z.string(), labels: z.record(z.string(), z.string()) })),
  /** Instances whose labels it selects (some may be outside its current step). */
  matching: z.number(),
});
export type GrayView = z.infer<typeof GrayView>;

/** GET /api/gray?namespace=... */
export const GrayList = z.object({ namespace: z.string(), namespaces: z.array(z.string()), releases: z.array(GrayView) });
export type GrayList = z.infer<typeof GrayList>;

/** POST /api/gray : start a gray release. */
export const CreateGray = z.object({
  namespace: z.string().min(1).max(1024),
  changes: z
    .array(z.object({ key: z.string().min(1).max(4096), value: z.string().max(1_500_000) }))
    .min(1)
    .max(1_000),
  labels: z.record(z.string(), z.string()),
  steps: z.array(z.number()).max(20).optional(),
  stepMs: z.number().int().positive().optional(),
  message: z.string().max(2_000).optional(),
});
export type CreateGray = z.infer<typeof CreateGray>;

/** POST /api/gray/<action> : promote, abandon, pause, resume or advance one gray release. */
export const GrayAction = z.object({ namespace: z.string().min(1).max(1024), id: z.string().min(1).max(64) });
export type GrayAction = z.infer<typeof GrayAction>;

/** The answer of every gray action: the release as it is now (gone after promote and abandon), and the release record written. */
export const GrayResult = z.object({ gray: GrayView.optional(), release: ReleaseSummary.optional() });
export type GrayResult = z.infer<typeof GrayResult>;
