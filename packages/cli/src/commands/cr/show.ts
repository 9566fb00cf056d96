import { type ChangeRequest, getChangeRequest, isDialsError, listChangeRequests, requestApprovals, type Source } from '@dials/core';
import type { Context } from '../../command.js';
import { color, stderrLine, table, UsageError } from '../../output.js';
import { nextSteps, shownRequest } from '../../requests.js';
import { namespaceOfRequest } from './locate.js';

const when = (iso: string) => iso.replace('T', ' ').slice(0, 19);

const STATE_COLOR = { open: color.yellow, approved: color.green, rejected: color.red, applied: color.dim, cancelled: color.dim } as const;

/** How many approvals `cr` needs: what the policies covering its keys ask, at least one. */
export const requiredFor = (source: Source, cr: ChangeRequest) =>
  requestApprovals(
    source,
    cr.namespace,
    cr.changes.map((c) => c.key),
  );

/** `dials cr ls [NAMESPACE] [--all]`: the open and approved requests (every one with --all), newest first. */
export async function listRequests(ctx: Context, namespace: string | undefined): Promise<number> {
  const source = await ctx.source();
  const all = (ctx.values as { all?: boolean }).all === true;
  const onSkipped = (key: string, reason: string) => stderrLine(`${color.yellow('skipped:')} ${key}: ${reason}`);
  let list: ChangeRequest[];
  try {
    list = await listChangeRequests(source, namespace, { ...(all ? {} : { states: ['open', 'approved'] }), onSkipped });
  } catch (error) {
    if (namespace === undefined && isDialsError(error) && error.code === 'PERMISSION_DENIED')
      throw new UsageError('give a NAMESPACE (your etcd role may not list every namespace’s change requests)');
    throw error;
  }
  const rows = list.map((cr) => [
    cr.id,
    cr.namespace,
    STATE_COLOR[cr.state](cr.state),
    cr.author,
    cr.approvals.map((a) => a.by).join(',') || '-',
    cr.schedule ? when(cr.schedule.at) : '-',
    cr.title,
  ]);
  ctx.out.result({ changeRequests: list.map((cr) => shownRequest(ctx, cr)) }, () =>
    list.length === 0
      ? color.dim(`no ${all ? '' : 'open or approved '}change requests${namespace ? ` in ${namespace}` : ''}`)
      : table(rows, ['ID', 'NAMESPACE', 'STATE', 'AUTHOR', 'APPROVED BY', 'SCHEDULED', 'TITLE']),
  );
  return 0;
}

/** One change as a diff line: `+ key = value`, `~ key: old → new`, `- key = old`. */
function diffLine(c: ChangeRequest['changes'][number]): string {
  if (c.after === undefined) return `${color.red('-')} ${c.key} = ${c.before ?? ''}`;
  if (c.before === undefined) return `${color.green('+')} ${c.key} = ${c.after}`;
  return `${color.yellow('~')} ${c.key}: ${c.before} ${color.dim('→')} ${c.after}`;
}

/** `dials cr show ID`: the request, its diff (secrets redacted), reviews, schedule, history and what it needs. */
export async function showRequest(ctx: Context, id: string): Promise<number> {
  const source = await ctx.source();
  const cr = await getChangeRequest(source, await namespaceOfRequest(ctx, id), id);
  const required = await requiredFor(source, cr);
  const shown = shownRequest(ctx, cr);
  ctx.out.result({ changeRequest: shown, required }, () =>
    [
      `${color.bold(`change request ${cr.id}`)} in ${cr.namespace}: ${cr.title} ${STATE_COLOR[cr.state](`[${cr.state}]`)}`,
      color.dim(`by ${cr.author}, ${when(cr.createdAt)}, based on revision ${cr.baseRevision}`),
      ...(cr.message ? [cr.message] : []),
      `approvals (${cr.approvals.length} of ${required}): ${cr.approvals.map((a) => `${a.by} ${color.dim(when(a.at))}${a.reason ? ` (${a.reason})` : ''}`).join(', ') || '-'}`,
      ...cr.rejections.map((r) => `${color.red('rejected')} by ${r.by} ${color.dim(when(r.at))}${r.reason ? `: ${r.reason}` : ''}`),
      ...(cr.schedule ? [`scheduled at ${cr.schedule.at} (by ${cr.schedule.by})`] : []),
      ...(cr.applying ? [color.yellow(`being applied by ${cr.applying.by} since ${when(cr.applying.at)}`)] : []),
      ...(cr.release ? [`applied as release ${cr.release.replace(/^0+/, '')}`] : []),
      '',
      ...shown.changes.map(diffLine),
      '',
      ...cr.history.map((h) => `${color.dim(when(h.at))} ${h.by} ${h.action}${h.detail ? `: ${h.detail}` : ''}`),
      ...(nextSteps(cr, required).length > 0 ? ['', ...nextSteps(cr, required)] : []),
    ].join('\n'),
  );
  return 0;
}
