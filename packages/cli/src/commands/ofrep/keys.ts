import { createOfrepKey, listOfrepKeys, OFREP_KEYS_PREFIX, ofrepNamespace, revokeOfrepKey } from '@dials/console';
import type { Context } from '../../command.js';
import { color, DataError, table, UsageError } from '../../output.js';

const ACTIONS = 'create NAMESPACE, ls NAMESPACE or revoke NAMESPACE HASH_OR_KEY';

/** The namespace argument; a malformed one is a usage error (exit 2), as a bad option value is. */
function namespaceOf(given: string): string {
  try {
    return ofrepNamespace(given);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), 'ofrep keys');
  }
}

/** `dials ofrep keys create|ls|revoke`: one-shot, on etcd's JSON gateway like the other writes. */
export async function keys(ctx: Context): Promise<number> {
  const [, action, given, hashOrKey] = ctx.args;
  if (action === undefined || !['create', 'ls', 'revoke'].includes(action))
    throw new UsageError(`${action === undefined ? 'missing action' : `unknown action ${action}`}: ${ACTIONS}`, 'ofrep keys');
  if (given === undefined) throw new UsageError(`${action}: missing NAMESPACE (e.g. flags/shop/production)`, 'ofrep keys');
  const namespace = namespaceOf(given);
  if (action !== 'create' && ctx.values.label !== undefined) throw new UsageError('--label is for keys create', 'ofrep keys');
  const source = await ctx.source();
  if (action === 'create') {
    const label = ctx.values.label as string | undefined;
    const { key, info } = await createOfrepKey(source, namespace, {
      ...(label === undefined ? {} : { label }),
      ...(process.env.DIALS_AUTHOR ? { createdBy: process.env.DIALS_AUTHOR } : {}),
    });
    ctx.out.result({ key, hash: info.hash, namespace }, () =>
      [
        key,
        color.dim(`The key for the flags under /${namespace}/, shown this once (only its hash is kept): ${info.hash}`),
        color.dim('Send it as X-API-Key (or Authorization: Bearer) to OFREP.'),
      ].join('\n'),
    );
    return 0;
  }
  if (action === 'ls') {
    const list = await listOfrepKeys(source, namespace);
    ctx.out.result(
      { namespace, keys: list.map((k) => ({ hash: k.hash, label: k.label, createdAt: k.createdAt, createdBy: k.createdBy })) },
      () =>
        list.length === 0
          ? color.dim(`no API keys for ${namespace}`)
          : table(
              list.map((k) => [k.hash, k.label, k.createdAt, k.createdBy]),
              ['HASH', 'LABEL', 'CREATED', 'BY'],
            ),
    );
    return 0;
  }
  if (hashOrKey === undefined) throw new UsageError('revoke: missing HASH_OR_KEY (keys ls shows the hashes)', 'ofrep keys');
  if (!(await revokeOfrepKey(source, namespace, hashOrKey)))
    throw new DataError(`no API key ${hashOrKey} for ${namespace} (${OFREP_KEYS_PREFIX}${namespace}/): keys ls shows the hashes`);
  ctx.out.result({ namespace, revoked: hashOrKey }, () => `revoked; OFREP refuses the key from now on`);
  return 0;
}
