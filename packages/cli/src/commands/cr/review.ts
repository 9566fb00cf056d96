import {
  applyChangeRequest,
  approveChangeRequest,
  type ChangeRequest,
  cancelChangeRequest,
  rejectChangeRequest,
  scheduleChangeRequest,
  unscheduleChangeRequest,
} from '@dials/core';
import type { Context } from '../../command.js';
import { color, UsageError } from '../../output.js';
import { nextSteps, shownRequest } from '../../requests.js';
import { printRelease } from '../../write.js';
import { namespaceOfRequest } from './locate.js';
import { requiredFor } from './show.js';

interface ReviewValues {
  message?: string;
  author?: string;
  at?: string;
  cancel?: boolean;
}

/** `dials cr approve|reject|cancel ID`: as `--author` (the etcd user with --user), `-m` the comment or reason. */
export async function reviewRequest(ctx: Context, verb: 'approve' | 'reject' | 'cancel', id: string): Promise<number> {
  const values = ctx.values as ReviewValues;
  const source = await ctx.source();
  const namespace = await namespaceOfRequest(ctx, id);
  const by = values.author;
  let cr: ChangeRequest;
  if (verb === 'approve') cr = await approveChangeRequest(source, namespace, id, { by, comment: values.message });
  else if (verb === 'reject') cr = await rejectChangeRequest(source, namespace, id, { by, reason: values.message });
  else cr = await cancelChangeRequest(source, namespace, id, { by });
  const required = await requiredFor(source, cr);
  const done = { approve: 'approved', reject: 'rejected', cancel: 'cancelled' }[verb];
  ctx.out.result({ changeRequest: shownRequest(ctx, cr), required }, () =>
    [`${color.green('✓')} ${done} change request ${cr.id} (${cr.title}): it is ${cr.state}`, ...nextSteps(cr, required)].join('\n'),
  );
  return 0;
}

/** `dials cr apply ID`: write an approved request, compare-and-set against its base revision (a conflict exits 3). */
export async function applyRequest(ctx: Context, id: string): Promise<number> {
  const values = ctx.values as ReviewValues;
  const source = await ctx.source();
  const namespace = await namespaceOfRequest(ctx, id);
  const { changeRequest, release } = await applyChangeRequest(source, namespace, id, { by: values.author });
  if (!release) {
    ctx.out.result({ changeRequest: shownRequest(ctx, changeRequest), release: null, changed: false }, () =>
      color.dim(`change request ${id} applied: nothing to change, every key already held its value (no release recorded)`),
    );
    return 0;
  }
  printRelease(ctx, release, { changeRequest: shownRequest(ctx, changeRequest) });
  return 0;
}

/** `dials cr schedule ID --at TIME` (or `--cancel`): the scheduler (`dials scheduler`) applies it then, if approved. */
export async function scheduleRequest(ctx: Context, id: string): Promise<number> {
  const values = ctx.values as ReviewValues;
  if ((values.at === undefined) === (values.cancel !== true))
    throw new UsageError('give --at TIME (e.g. 2030-12-01T09:00Z) or --cancel, one of them');
  const source = await ctx.source();
  const namespace = await namespaceOfRequest(ctx, id);
  const at = values.at;
  if (at !== undefined && Number.isNaN(Date.parse(at)))
    throw new UsageError(`--at is not a time: ${JSON.stringify(at)} (an ISO time, e.g. 2030-12-01T09:00Z)`);
  const cr =
    at === undefined
      ? await unscheduleChangeRequest(source, namespace, id, { by: values.author })
      : await scheduleChangeRequest(source, namespace, id, { at, by: values.author });
  ctx.out.result({ changeRequest: shownRequest(ctx, cr) }, () =>
    cr.schedule
      ? `${color.green('✓')} change request ${cr.id} is to be applied at ${cr.schedule.at} by the scheduler (dials scheduler)${cr.state === 'approved' ? '' : color.yellow(`; it is ${cr.state}: unless approved by then, it will not be`)}`
      : `${color.green('✓')} change request ${cr.id} is no longer scheduled`,
  );
  return 0;
}
