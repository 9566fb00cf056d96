import { DialsError } from '../errors.js';
import type { KeyValue, Source } from '../types.js';
import { readChangeRequest } from './change-request.js';
import { approvalsNeeded, requirementText } from './policy.js';

/** What `publishKeys` is told when it applies a change request (`PublishKeysOptions.changeRequest`). */
export interface ChangeRequestLink {
  readonly namespace: string;
  readonly id: string;
  /** Who approved it: recorded in the release. */
  readonly approvers: readonly string[];
}

type Write = { readonly key: string; readonly after: string | undefined; readonly binary?: boolean };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The policy gate, called by `publishKeys` with the keys it is about to write and their values as
 * it read them, before anything is written. A write to a namespace whose policy requires approval
 * is refused (APPROVAL_REQUIRED) unless it applies a change request: then the request must be
 * approved and being applied, the write must be the request's own changes, and none of its keys
 * may have moved after the request's base revision (CONFLICT naming the key). Since `publishKeys`
 * compares every key against the value it read, the transaction lands only if that still holds.
 */
export async function approvalGate(
  source: Source,
  namespace: string,
  writes: readonly Write[],
  before: ReadonlyMap<string, KeyValue>,
  link: ChangeRequestLink | undefined,
): Promise<void> {
  const need = await approvalsNeeded(
    source,
    namespace,
    writes.map((w) => w.key),
  );
  if (!link) {
    if (need.required === 0) return;
    throw new DialsError(
      'APPROVAL_REQUIRED',
      `${requirementText(need, namespace)}: nothing was written. ` +
        'Create a change request instead: createChangeRequest(source, { namespace, title, changes }) from @dials/core, or dials cr create (dials set and the other dials writes make one for you).',
      { key: writes[0]?.key },
    );
  }
  const { cr } = await readChangeRequest(source, link.namespace, link.id);
  const refuse = (why: string) =>
    new DialsError('INVALID_ARGUMENT', `Change request ${cr.id} in ${cr.namespace} cannot be applied: ${why}. Nothing was written.`, {
      key: writes[0]?.key,
    });
  if (cr.namespace !== namespace) throw refuse(`it belongs to ${cr.namespace}, not ${namespace}`);
  if (cr.state !== 'approved' || !cr.applying) throw refuse(`it is ${cr.state}${cr.applying ? '' : ' and not being applied'}`);
  if (cr.approvals.length < need.required) {
    throw new DialsError(
      'APPROVAL_REQUIRED',
      `Change request ${cr.id} has ${plural(cr.approvals.length, 'approval')}; ${need.by ?? namespace} requires ${need.required}. Nothing was written.`,
      { key: writes[0]?.key },
    );
  }
  const approvers = cr.approvals.map((a) => a.by);
  if ([...approvers].sort().join('\n') !== [...link.approvers].sort().join('\n')) throw refuse('the approvers given are not its approvers');
  const planned = new Map(cr.changes.map((c) => [c.key, c] as const));
  for (const write of writes) {
    const change = planned.get(write.key);
    if (!change || change.after !== write.after || (change.binary ?? false) !== (write.binary ?? false)) {
      throw refuse(`${write.key} is not written so by the request`);
    }
    const now = before.get(write.key);
    // Moved: written after the base, or deleted since (it was there at the base and is gone).
    if ((now && now.modRevision > cr.baseRevision) || (!now && change.before !== undefined)) {
      throw new DialsError(
        'CONFLICT',
        `Change request ${cr.id} conflicts: ${write.key} ${now ? `changed at revision ${now.modRevision}` : 'was deleted'}, after the request's base revision ${cr.baseRevision}. Nothing was written. Edit the request to base it on the current values (its approvals are voided).`,
        { key: write.key, revision: now?.modRevision },
      );
    }
  }
}
