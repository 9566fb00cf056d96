import { describe, expect, it } from 'vitest';
import { approvalGate } from '../src/delivery/approval-gate.js';
import { getChangeRequest, mutateChangeRequest } from '../src/delivery/change-request.js';
import { applyChangeRequest } from '../src/delivery/change-request-apply.js';
import { approveChangeRequest, createChangeRequest, scheduleChangeRequest } from '../src/delivery/change-requests.js';
import { setPolicy } from '../src/delivery/policy.js';
import type { DialsError } from '../src/errors.js';
import { memorySource } from '../src/memory-source.js';
import { publishKeys } from '../src/publish.js';
import { getRelease, listReleases } from '../src/releases.js';
import type { KeyValue, Source } from '../src/types.js';

// Applying change requests (change-request-apply.ts, the policy gate in publishKeys, the scheduler's apply), on the memory source.
const NS = 'config/shop/prod';
const K = (path: string) => `/${NS}/${path}`;

/** A memory source with a config and a policy of `approvals` on the namespace. */
async function protectedSource(approvals = 1): Promise<Source> {
  const source = memorySource({ initial: { [K('db/port')]: 5432, [K('db/host')]: '"db-1"' } });
  if (approvals > 0) await setPolicy(source, NS, { requireApproval: approvals }, { by: 'admin' });
  return source;
}

async function rejection(promise: Promise<unknown>): Promise<DialsError> {
  try {
    await promise;
  } catch (error) {
    return error as DialsError;
  }
  throw new Error('expected a rejection');
}

const draft = (source: Source, after = '6543') =>
  createChangeRequest(source, { namespace: NS, title: 'new port', author: 'ana', changes: [{ key: K('db/port'), after }] });

describe('applying a change request', () => {
  it('writes its changes as a release that links the request and its approvers', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    await expect(applyChangeRequest(source, NS, cr.id, { by: 'ana' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    const { changeRequest, release } = await applyChangeRequest(source, NS, cr.id, { by: 'ana' });
    expect((await source.get(K('db/port')))?.value).toBe('6543');
    expect(release).toMatchObject({ namespace: NS, author: 'ana', changeRequest: cr.id, approvers: ['bob'] });
    expect(await getRelease(source, NS, release?.id as string)).toMatchObject({ changeRequest: cr.id, approvers: ['bob'] });
    expect(changeRequest).toMatchObject({ state: 'applied', release: release?.id });
    expect(changeRequest.applying).toBeUndefined();
    expect(changeRequest.history.at(-1)?.action).toBe('applied');
    await expect(applyChangeRequest(source, NS, cr.id)).rejects.toThrow(/is applied/);
  });

  it('refuses when a key moved after the base: nothing is written, the history says which key', async () => {
    const source = await protectedSource();
    const cr = await createChangeRequest(source, {
      namespace: NS,
      author: 'ana',
      changes: [
        { key: K('db/port'), after: '1' },
        { key: K('db/host'), after: '"db-2"' },
      ],
    });
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    await source.put(K('db/host'), '"db-moved"'); // as etcdctl would
    const error = await rejection(applyChangeRequest(source, NS, cr.id));
    expect(error).toMatchObject({ code: 'CONFLICT', key: K('db/host') });
    expect(error.message).toContain('Nothing was written');
    expect((await source.get(K('db/port')))?.value).toBe('5432');
    const after = await getChangeRequest(source, NS, cr.id);
    expect(after).toMatchObject({ state: 'approved' });
    expect(after.applying).toBeUndefined();
    expect(after.history.at(-1)).toMatchObject({ action: 'conflict' });
    expect(after.history.at(-1)?.detail).toContain(K('db/host'));
    expect(await listReleases(source, NS)).toEqual([]);
  });

  it('a key deleted after the base is a conflict too', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    await source.delete(K('db/port'));
    expect(await rejection(applyChangeRequest(source, NS, cr.id))).toMatchObject({ code: 'CONFLICT', key: K('db/port') });
    expect(await source.get(K('db/port'))).toBeUndefined();
  });

  it('applied by two processes at once, it is written once', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    const results = await Promise.allSettled([applyChangeRequest(source, NS, cr.id), applyChangeRequest(source, NS, cr.id)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect((await listReleases(source, NS)).filter((r) => r.changeRequest === cr.id)).toHaveLength(1);
    expect((await getChangeRequest(source, NS, cr.id)).history.filter((h) => h.action === 'applied')).toHaveLength(1);
  });

  it('a process that wrote but died before recording it leaves a request the next apply completes, without writing again', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    // As a dying applier leaves it: claimed, and the release written.
    await mutateChangeRequest(source, NS, cr.id, (now) => ({ ...now, applying: { by: 'gone', at: new Date().toISOString() } }));
    const written = await publishKeys(source, [{ key: K('db/port'), after: '6543' }], {
      namespace: NS,
      changeRequest: { namespace: NS, id: cr.id, approvers: ['bob'] },
    });
    const { changeRequest, release } = await applyChangeRequest(source, NS, cr.id);
    expect(release?.id).toBe(written.id);
    expect(changeRequest).toMatchObject({ state: 'applied', release: written.id });
    expect(await listReleases(source, NS)).toHaveLength(1);
  });

  it('the gate refuses a write that claims a request it is not: not approved, not being applied, or other changes', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    const link = { namespace: NS, id: cr.id, approvers: [] };
    await expect(publishKeys(source, [{ key: K('db/port'), after: '6543' }], { namespace: NS, changeRequest: link })).rejects.toThrow(
      /is open/,
    );
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    await mutateChangeRequest(source, NS, cr.id, (now) => ({ ...now, applying: { by: 'x', at: '' } }));
    const approved = { ...link, approvers: ['bob'] };
    await expect(publishKeys(source, [{ key: K('db/host'), after: '"evil"' }], { namespace: NS, changeRequest: approved })).rejects.toThrow(
      /not written so by the request/,
    );
    await expect(publishKeys(source, [{ key: K('db/port'), after: '6543' }], { namespace: NS, changeRequest: link })).rejects.toThrow(
      /approvers/,
    );
    // Called directly, the gate lets the request's own write through.
    const port = (await source.get(K('db/port'))) as KeyValue;
    await approvalGate(source, NS, [{ key: K('db/port'), after: '6543' }], new Map([[port.key, port]]), approved);
    expect((await source.get(K('db/port')))?.value).toBe('5432');
  });

  it('a raised policy is checked again at apply time', async () => {
    const source = await protectedSource(1);
    const cr = await draft(source);
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    await setPolicy(source, NS, { requireApproval: 2 });
    await expect(applyChangeRequest(source, NS, cr.id)).rejects.toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect((await source.get(K('db/port')))?.value).toBe('5432');
  });
});

describe('a scheduled apply (as the scheduler makes it)', () => {
  it('applies only while still scheduled at that time; what stops it cancels the schedule with the reason', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    const at = new Date(Date.now() + 60_000).toISOString();
    await scheduleChangeRequest(source, NS, cr.id, { at });
    // Not approved by its time.
    const early = await applyChangeRequest(source, NS, cr.id, { scheduledAt: at, by: 'scheduler' });
    expect(early.notApplied).toContain('not approved');
    expect(early.changeRequest.schedule).toBeUndefined();
    expect(early.changeRequest.history.at(-1)).toMatchObject({ action: 'schedule-cancelled', by: 'scheduler' });
    // Rescheduled: a stale time does nothing.
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    await scheduleChangeRequest(source, NS, cr.id, { at });
    expect((await applyChangeRequest(source, NS, cr.id, { scheduledAt: '2030-01-01T00:00:00.000Z' })).notApplied).toBeDefined();
    // A moved key: the schedule is cancelled, the conflict recorded, nothing written.
    await source.put(K('db/port'), '1');
    const moved = await applyChangeRequest(source, NS, cr.id, { scheduledAt: at, by: 'scheduler' });
    expect(moved.notApplied).toContain(K('db/port'));
    expect(moved.changeRequest.schedule).toBeUndefined();
    expect(moved.changeRequest.history.at(-1)).toMatchObject({ action: 'conflict' });
    expect(moved.changeRequest.history.at(-1)?.detail).toContain('is cancelled');
    expect((await source.get(K('db/port')))?.value).toBe('1');
  });
});
