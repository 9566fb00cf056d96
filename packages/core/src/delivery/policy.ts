import { DialsError, isDialsError, messageOf } from '../errors.js';
import { namespaceOf } from '../releases.js';
import type { Source } from '../types.js';
import { actorOf } from './actor.js';

/** Where review policies live: `/dials/policy/<namespace>`, one JSON document per namespace. */
export const POLICY_PREFIX = '/dials/policy/';

/** How a namespace is written. */
export interface Policy {
  /** Approvals a change request needs before it may be applied. 0 (or no policy): writes go straight through. */
  readonly requireApproval: number;
  /** Who set it and when (absent when there is no policy). */
  readonly updatedBy?: string;
  readonly updatedAt?: string;
}

/** The most approvals a policy may ask for: more is a typo, not a review process. */
const MAX_APPROVALS = 20;

export function policyKey(namespace: string): string {
  return `${POLICY_PREFIX}${namespaceOf(namespace)}`;
}

/** A stored policy, or a PARSE_ERROR naming its key: a broken policy stops writes rather than waving them through. */
function parsePolicy(key: string, raw: string): Policy {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new DialsError('PARSE_ERROR', `The policy ${key} is not JSON (${messageOf(error)}); fix it with dials policy set`, { key });
  }
  const n = (value as { requireApproval?: unknown } | null)?.requireApproval;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Number.isInteger(n) || (n as number) < 0) {
    throw new DialsError(
      'PARSE_ERROR',
      `The policy ${key} is not { "requireApproval": N } with N a whole number; fix it with dials policy set`,
      {
        key,
      },
    );
  }
  const { updatedBy, updatedAt } = value as { updatedBy?: unknown; updatedAt?: unknown };
  return {
    requireApproval: n as number,
    ...(typeof updatedBy === 'string' ? { updatedBy } : {}),
    ...(typeof updatedAt === 'string' ? { updatedAt } : {}),
  };
}

/** The policy of `namespace` (e.g. `config/shop/production`); `{ requireApproval: 0 }` when it has none. */
export async function getPolicy(source: Source, namespace: string): Promise<Policy> {
  const key = policyKey(namespace);
  const kv = await source.get(key);
  return kv ? parsePolicy(key, kv.value) : { requireApproval: 0 };
}

/**
 * Set how many approvals a change request to `namespace` needs (0 lifts the requirement). Whoever
 * may write `/dials/policy/<namespace>` may change it: grant that to fewer people than the config.
 */
export async function setPolicy(
  source: Source,
  namespace: string,
  policy: { readonly requireApproval: number },
  options: { readonly by?: string } = {},
): Promise<Policy> {
  const n = policy.requireApproval;
  if (!Number.isInteger(n) || n < 0 || n > MAX_APPROVALS) {
    throw new DialsError('INVALID_ARGUMENT', `requireApproval must be a whole number from 0 to ${MAX_APPROVALS} (got ${String(n)})`, {
      key: policyKey(namespace),
    });
  }
  const stored: Policy = {
    requireApproval: n,
    updatedBy: actorOf(source, options.by),
    updatedAt: new Date().toISOString(),
  };
  await source.put(policyKey(namespace), JSON.stringify(stored));
  return stored;
}

/** The policies that cover a write: one per namespace any key lies in (its first one to four segments), and the write's own. */
function coveringNamespaces(namespace: string, keys: readonly string[]): Set<string> {
  const namespaces = new Set<string>([namespaceOf(namespace)]);
  for (const key of keys) {
    if (key.startsWith('/dials/')) continue;
    const segments = key.split('/').filter(Boolean);
    for (let depth = 1; depth < Math.min(segments.length, 5); depth++) namespaces.add(segments.slice(0, depth).join('/'));
  }
  return namespaces;
}

/** What a write needs: the most approvals any covering policy asks for, and which namespace asks it. */
export interface ApprovalNeed {
  readonly required: number;
  /** The namespace whose policy asks the most (undefined when none asks). */
  readonly by?: string;
}

/**
 * How many approvals a write of `keys`, recorded in `namespace`, needs: the highest requirement of
 * the policies that cover it. A policy the caller's etcd role may not read is not applied (as with
 * the apps' schemas): the gate guards writes made through Dials, etcd's roles guard etcd.
 */
export async function approvalsNeeded(source: Source, namespace: string, keys: readonly string[]): Promise<ApprovalNeed> {
  const found = await Promise.all(
    [...coveringNamespaces(namespace, keys)].map(async (ns) => {
      try {
        return { ns, policy: await getPolicy(source, ns) };
      } catch (error) {
        if (isDialsError(error) && error.code === 'PERMISSION_DENIED') return { ns, policy: { requireApproval: 0 } };
        throw error;
      }
    }),
  );
  let need: ApprovalNeed = { required: 0 };
  for (const { ns, policy } of found) if (policy.requireApproval > need.required) need = { required: policy.requireApproval, by: ns };
  return need;
}

/** `config/shop/prod requires 1 approval (policy /dials/policy/config/shop)`: what a refused write names. */
export function requirementText(need: ApprovalNeed, namespace: string): string {
  return `${namespace} requires ${need.required} approval${need.required === 1 ? '' : 's'} (policy ${policyKey(need.by ?? namespace)})`;
}

/** The approvals a change request to `namespace` changing `keys` needs: what the covering policies ask, and never fewer than one. */
export async function requestApprovals(source: Source, namespace: string, keys: readonly string[]): Promise<number> {
  return Math.max(1, (await approvalsNeeded(source, namespace, keys)).required);
}
