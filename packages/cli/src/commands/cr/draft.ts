import { createChangeRequest, type DraftChange, editChangeRequest, namespaceOf } from '@dials/core';
import { withSlash } from '../../args.js';
import type { Context } from '../../command.js';
import { readEntries } from '../../formats/read-entries.js';
import { color, DataError, UsageError } from '../../output.js';
import { plan } from '../../plan.js';
import { shownRequest } from '../../requests.js';
import { namespaceOfRequest } from './locate.js';
import { requiredFor } from './show.js';

interface DraftValues {
  prefix?: string;
  delete?: boolean;
  flags?: boolean;
  message?: string;
  author?: string;
  namespace?: string;
}

/**
 * The changes that make the keys under `--prefix` what FILE says, as `import --apply` would write
 * them (with `--delete`, keys the file lacks are deleted): read as import reads it, diffed against etcd.
 */
async function changesFrom(ctx: Context, file: string | undefined): Promise<{ changes: DraftChange[]; prefix: string }> {
  const values = ctx.values as DraftValues;
  if (!file) throw new UsageError('missing FILE (JSON, YAML, .env or flagd, as import reads it)');
  if (!values.prefix) throw new UsageError('needs --prefix, e.g. --prefix /config/shop/dev/');
  const prefix = withSlash(values.prefix);
  const { entries } = readEntries(file, values.flags === true ? 'flags' : 'auto');
  const p = plan(entries, (await (await ctx.source()).list(prefix)).kvs, prefix, values.delete === true);
  const changes: DraftChange[] = [
    ...p.put.map(([path, value]) => ({ key: prefix + path, after: value })),
    ...p.remove.map(([path]) => ({ key: prefix + path, after: undefined })),
  ];
  if (changes.length === 0) throw new DataError(`${file} changes nothing under ${prefix}: no change request drafted`);
  return { changes, prefix };
}

/** `dials cr create FILE --prefix PREFIX`: draft a request of what importing FILE would change. */
export async function createRequest(ctx: Context, file: string | undefined): Promise<number> {
  const values = ctx.values as DraftValues;
  const { changes, prefix } = await changesFrom(ctx, file);
  const namespace = namespaceOf(values.namespace ?? prefix.split('/').filter(Boolean).slice(0, 3).join('/'));
  const source = await ctx.source();
  const cr = await createChangeRequest(source, { namespace, title: values.message, author: values.author, changes });
  const required = await requiredFor(source, cr);
  ctx.out.result(
    { changeRequest: shownRequest(ctx, cr), required },
    () =>
      `${color.green('✓')} change request ${color.bold(cr.id)} drafted in ${namespace} (${cr.changes.length} change${cr.changes.length === 1 ? '' : 's'}); it needs ${required} approval${required === 1 ? '' : 's'}: dials cr show ${cr.id} --namespace ${namespace}`,
  );
  return 0;
}

/** `dials cr edit ID FILE --prefix PREFIX`: replace the request's changes; its approvals are voided. */
export async function editRequest(ctx: Context, id: string, file: string | undefined): Promise<number> {
  const values = ctx.values as DraftValues;
  const namespace = await namespaceOfRequest(ctx, id);
  const { changes } = await changesFrom(ctx, file);
  const cr = await editChangeRequest(await ctx.source(), namespace, id, { changes, title: values.message, by: values.author });
  ctx.out.result(
    { changeRequest: shownRequest(ctx, cr) },
    () => `${color.green('✓')} change request ${cr.id} edited: ${cr.history.at(-1)?.detail ?? ''}. It needs approving again.`,
  );
  return 0;
}
