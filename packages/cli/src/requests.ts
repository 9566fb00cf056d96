import { type ChangeRequest, createChangeRequest, type DraftChange, isDialsError, requestApprovals } from '@dials/core';
import { shown } from './args.js';
import type { Context } from './command.js';
import { color, DataError } from './output.js';

/** Whether `error` is core's refusal of a direct write to a namespace that requires review. */
export function needsApproval(error: unknown): boolean {
  return isDialsError(error) && error.code === 'APPROVAL_REQUIRED';
}

/** A request as printed: the values of secret keys redacted unless --show-secrets, binary values as base64. */
export function shownRequest(ctx: Context, cr: ChangeRequest): ChangeRequest {
  return {
    ...cr,
    changes: cr.changes.map((c) => ({
      ...c,
      ...(c.before === undefined ? {} : { before: shown(ctx, c.key, c.before, c.beforeBinary) }),
      ...(c.after === undefined ? {} : { after: shown(ctx, c.key, c.after, c.binary) }),
    })),
  };
}

/** What to type next for a request, by its state. */
export function nextSteps(cr: ChangeRequest, required: number): string[] {
  const ref = `${cr.id} --namespace ${cr.namespace}`;
  // Its author and whoever edited it cannot approve it (core refuses them).
  const writers = [...new Set([cr.author, ...cr.history.filter((h) => h.action === 'edited').map((h) => h.by)])];
  if (cr.state === 'open')
    return [
      `needs ${required - cr.approvals.length} more approval${required - cr.approvals.length === 1 ? '' : 's'} (${cr.approvals.length} of ${required}), from someone other than ${writers.join(' and ')}:`,
      `  dials cr show ${ref}`,
      `  dials cr approve ${ref}`,
    ];
  if (cr.state === 'approved' && cr.history.at(-1)?.action === 'conflict')
    return [
      'a key it changes moved after its base revision: edit it to base it on the current values (its approvals are voided)',
      `  dials cr edit ${ref} FILE --prefix PREFIX`,
    ];
  if (cr.state === 'approved')
    return ['approved: apply it now, or schedule it', `  dials cr apply ${ref}`, `  dials cr schedule ${ref} --at TIME`];
  return [];
}

/**
 * The namespace requires review, so a CLI write becomes a draft change request instead: created,
 * printed with what it needs (exit 0). `--json` gives `{ changeRequest, required }`.
 */
export async function draftInstead(
  ctx: Context,
  changes: readonly DraftChange[],
  namespace: string,
  options: { ttlMs?: number; title?: string } = {},
): Promise<void> {
  if (options.ttlMs !== undefined)
    throw new DataError(`${namespace} requires approval: a temporary value (--ttl) cannot wait for review; nothing was written`);
  const source = await ctx.source();
  // Every writing command takes the release options: -m is the request's title, --author who asks.
  const values = ctx.values as { message?: string; author?: string };
  const cr = await createChangeRequest(source, { namespace, title: values.message ?? options.title, author: values.author, changes });
  const required = await requestApprovals(
    source,
    namespace,
    changes.map((c) => c.key),
  );
  ctx.out.result({ changeRequest: shownRequest(ctx, cr), required }, () =>
    [
      `${color.yellow('⧗')} ${namespace} requires review: nothing was written. Drafted change request ${color.bold(cr.id)} (${cr.changes.length} change${cr.changes.length === 1 ? '' : 's'}).`,
      ...nextSteps(cr, required),
    ].join('\n'),
  );
}
