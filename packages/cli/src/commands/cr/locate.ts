import { CHANGES_PREFIX, isDialsError, namespaceOf } from '@dials/core';
import type { Context } from '../../command.js';
import { DataError, UsageError } from '../../output.js';

/**
 * The namespace of request `id`: `--namespace` when given, else found among every namespace's
 * requests (ids are etcd revisions, so unique in the cluster). A role that may list only its own
 * namespaces' requests must say which.
 */
export async function namespaceOfRequest(ctx: Context, id: string): Promise<string> {
  const given = (ctx.values as { namespace?: string }).namespace;
  if (given !== undefined) return namespaceOf(given);
  if (!/^[1-9][0-9]{0,19}$/.test(id)) throw new UsageError(`not a change request id: ${JSON.stringify(id)} (dials cr ls lists them)`);
  let keys: string[];
  try {
    keys = (await (await ctx.source()).list(CHANGES_PREFIX)).kvs.map((kv) => kv.key).filter((key) => key.endsWith(`/${id}`));
  } catch (error) {
    if (isDialsError(error) && error.code === 'PERMISSION_DENIED')
      throw new UsageError(`give --namespace (your etcd role may not list every namespace's change requests under ${CHANGES_PREFIX})`);
    throw error;
  }
  const [key] = keys;
  if (key === undefined) throw new DataError(`no change request ${id} (dials cr ls lists them)`);
  return key.slice(CHANGES_PREFIX.length, key.lastIndexOf('/'));
}
