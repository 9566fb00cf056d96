import { capability } from '../capabilities.js';
import { asDialsError, DialsError, messageOf } from '../errors.js';
import { checkWrites, describeRefusals } from '../fleet/schema-check.js';
import { isUnsafePath } from '../internal/config-tree.js';
import { defaultAuthor, type KeyChange, readKeys } from '../publish.js';
import { writePlan } from '../release-plan.js';
import { putRecord, type Release, recordedChange, releaseId, releaseKey } from '../releases.js';
import type { Source, Transactions, TxnOp } from '../types.js';
import { approvalGate } from './approval-gate.js';
import { checkGrayOptions, type GrayOptions, type GrayRelease, grayHeaderKey, newGrayId } from './gray-model.js';

export interface GrayReleaseOptions {
  readonly gray: GrayOptions;
  /** The namespace whose instances follow it (`config/shop/production`): every key must lie under `/<namespace>/`. */
  readonly namespace: string;
  readonly message?: string;
  /** Who: recorded in the header and the release. When the source authenticates (etcd auth), its user is recorded instead. */
  readonly author?: string;
  /** Write even what a registered app schema refuses; the release records it. */
  readonly force?: boolean;
}

/** The checks every change must pass, before anything is read or written. */
function checkedChanges(changes: readonly KeyChange[], namespace: string, transactions: Transactions): KeyChange[] {
  const unique = [...new Map(changes.map((c) => [c.key, c])).values()];
  if (unique.length === 0) throw new DialsError('INVALID_ARGUMENT', 'gray release: nothing to publish');
  const base = `/${namespace}/`;
  for (const change of unique) {
    const path = change.key.slice(base.length);
    if (!change.key.startsWith(base) || path === '') {
      throw new DialsError(
        'INVALID_ARGUMENT',
        `gray release: ${change.key} does not lie under ${base}, where the instances of ${namespace} follow gray releases; nothing was written`,
        { key: change.key },
      );
    }
    if (change.after === undefined) {
      throw new DialsError(
        'INVALID_ARGUMENT',
        `gray release: ${change.key} would be deleted, but a gray release only sets values (delete it for everyone with a normal publish); nothing was written`,
        { key: change.key },
      );
    }
    // Instances skip such paths in an overlay; refusing them here says so before anything is written.
    if (isUnsafePath(path)) {
      throw new DialsError(
        'UNSAFE_KEY',
        `gray release: ${change.key} has a segment (__proto__, constructor or prototype) Dials will not overlay; nothing was written`,
        {
          key: change.key,
        },
      );
    }
    if (Buffer.byteLength(change.after) + change.key.length > transactions.maxBytes - 1024) {
      throw new DialsError(
        'TOO_LARGE',
        `gray release: ${change.key} is over the ${transactions.maxBytes} bytes one etcd request may carry; nothing was written`,
        {
          key: change.key,
        },
      );
    }
  }
  return unique;
}

/**
 * A namespace whose policy requires review takes no gray release: a change request writes for
 * everyone, so there is no reviewed way to write an overlay (yet). APPROVAL_REQUIRED, nothing written.
 */
async function reviewGate(source: Source, namespace: string, list: readonly KeyChange[], before: Awaited<ReturnType<typeof readKeys>>) {
  try {
    await approvalGate(source, namespace, list, before, undefined);
  } catch (error) {
    const cause = asDialsError(error, 'GENERAL');
    if (cause.code !== 'APPROVAL_REQUIRED') throw cause;
    throw new DialsError(
      'APPROVAL_REQUIRED',
      `gray release refused: ${namespace} requires review, and a gray release cannot go through a change request; nothing was written. Propose the change for everyone with a change request (dials cr create), or ask for the policy to be lifted.`,
      { key: cause.key, cause },
    );
  }
}

/**
 * Write the overlay: the values first, in transactions of at most `maxOps`, and the header in the
 * last one. Instances apply values only under a header, so until it lands they are inert, and they
 * appear to readers at once, however many transactions the values took.
 */
async function writeOverlay(
  transactions: Transactions,
  header: GrayRelease,
  changes: readonly KeyChange[],
): Promise<{ firstRevision: number; revision: number }> {
  const headerKey = grayHeaderKey(header.namespace, header.id);
  const base = `/${header.namespace}/`;
  const ops: TxnOp[] = changes.map((c) => ({
    type: 'put',
    key: `${headerKey}/${c.key.slice(base.length)}`,
    value: c.after as string,
    ...(c.binary ? { binary: true } : {}),
  }));
  ops.push({ type: 'put', key: headerKey, value: JSON.stringify(header) });
  const budget = (transactions.maxBytes * 2) / 3;
  let firstRevision = 0;
  let revision = 0;
  for (let start = 0; start < ops.length; ) {
    let end = start;
    let bytes = 0;
    while (end < ops.length && end - start < transactions.maxOps) {
      const op = ops[end] as TxnOp & { value: string };
      bytes += op.key.length + op.value.length + 16;
      if (end > start && bytes > budget) break;
      end++;
    }
    // The header's key is new: a second writer of the same id (never, with random ids) would fail here.
    const result = await transactions.txn(ops.slice(start, end), end === ops.length ? [{ key: headerKey, modRevision: 0 }] : []);
    if (!result.succeeded)
      throw new DialsError('CONFLICT', `gray release ${header.id} already exists in ${header.namespace}`, { key: headerKey });
    revision = result.revision;
    firstRevision ||= revision;
    start = end;
  }
  return { firstRevision, revision };
}

/**
 * Publish `changes` as a gray release of `namespace`: the values go to an overlay under
 * `/dials/gray/<namespace>/<id>/` that only instances whose labels match (and, with steps, whose
 * hash falls under the current step) apply on top of their prefixes. The keys themselves are not
 * touched. Checked against the apps' registered schemas first, and recorded as a release with
 * `gray` set; `promoteGray` writes the values for everyone, `abandonGray` drops them.
 *
 * @example
 * const release = await grayRelease(source, [{ key: '/config/shop/prod/db/pool', after: '20' }], {
 *   namespace: 'config/shop/prod',
 *   gray: { labels: { canary: 'true' }, steps: [10, 50, 100], stepMs: 600_000 },
 * });
 * release.gray?.id; // 'g-3f9a12c4'
 */
export async function grayRelease(source: Source, changes: readonly KeyChange[], options: GrayReleaseOptions): Promise<Release> {
  const transactions = capability(source, 'transactions', 'A gray release');
  checkGrayOptions(options.gray);
  const { namespace } = options;
  if (namespace === 'default' || namespace === '')
    throw new DialsError('INVALID_ARGUMENT', 'gray release: give the namespace its instances follow');
  const list = checkedChanges(changes, namespace, transactions);
  const refused = await checkWrites(source, list);
  if (refused.length > 0 && !options.force) {
    throw new DialsError(
      'INVALID_VALUE',
      `gray release refused by the apps' schemas: ${describeRefusals(refused, list)}. Nothing was written (force: true writes anyway; in the CLI, --force).`,
      { key: refused[0]?.key, refused },
    );
  }
  const before = await readKeys(
    source,
    list.map((c) => c.key),
  );
  await reviewGate(source, namespace, list, before);
  const { labels, steps, stepMs } = options.gray;
  const id = newGrayId();
  const author = source.user ?? options.author ?? defaultAuthor();
  const message = options.message ?? '';
  const at = new Date().toISOString();
  const header: GrayRelease = {
    id,
    namespace,
    labels: { ...labels },
    ...(steps ? { steps: [...steps] } : {}),
    ...(stepMs === undefined ? {} : { stepMs }),
    startedAt: at,
    author,
    message,
    state: 'active',
  };
  const record: Omit<Release, 'id' | 'revision'> = {
    namespace,
    author,
    message,
    at,
    gray: { id, labels: header.labels, ...(steps ? { steps: header.steps } : {}), ...(stepMs === undefined ? {} : { stepMs }) },
    ...(refused.length > 0 ? { forced: { refused } } : {}),
    changes: list.map((c) => recordedChange(c.key, before.get(c.key), c)),
  };
  // The plan first, as publishKeys does: a missing grant refuses here, having written nothing.
  const plan = await writePlan(source, namespace, { ...record, id: '', revision: 0 });
  let written: { firstRevision: number; revision: number };
  try {
    written = await writeOverlay(transactions, header, list);
  } catch (error) {
    // Values without their header are never applied; clear them and the plan.
    await source.deletePrefix(`${grayHeaderKey(namespace, id)}/`).catch(() => undefined);
    for (const key of plan) await source.delete(key).catch(() => undefined);
    const cause = asDialsError(error, 'GENERAL');
    throw new DialsError(cause.code, `gray release failed, nothing was applied: ${cause.message}`, { key: cause.key, cause });
  }
  const release: Release = { ...record, id: releaseId(written.revision), ...written };
  try {
    await putRecord(source, releaseKey(namespace, release.id), release);
    for (const key of plan) await source.delete(key);
  } catch (error) {
    throw new DialsError(
      'GENERAL',
      `gray release ${id} is live in ${namespace} (revision ${written.revision}), but recording it failed (${messageOf(error)}); its plan stays, listed as interrupted. Abandon it with abandonGray (dials gray abandon ${id}) if unwanted.`,
      { cause: error, revision: written.revision },
    );
  }
  return release;
}
