import { describe, expect, it } from 'vitest';
import { CHANGES_PREFIX, getChangeRequest, listChangeRequests } from '../src/delivery/change-request.js';
import { applyChangeRequest } from '../src/delivery/change-request-apply.js';
import {
  approveChangeRequest,
  cancelChangeRequest,
  createChangeRequest,
  editChangeRequest,
  rejectChangeRequest,
  scheduleChangeRequest,
  unscheduleChangeRequest,
} from '../src/delivery/change-requests.js';
import { getPolicy, setPolicy } from '../src/delivery/policy.js';
import { createDials } from '../src/dials.js';
import type { DialsError } from '../src/errors.js';
import { memorySource } from '../src/memory-source.js';
import { publishKeys } from '../src/publish.js';
import { rollbackRelease } from '../src/rollback.js';
import type { Source } from '../src/types.js';

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

describe('policy', () => {
  it('is stored as JSON at /dials/policy/<namespace>; none means no approval; a broken one is named', async () => {
    const source = memorySource();
    expect(await getPolicy(source, NS)).toEqual({ requireApproval: 0 });
    await setPolicy(source, `/${NS}/`, { requireApproval: 2 }, { by: 'admin' });
    expect(JSON.parse((await source.get(`/dials/policy/${NS}`))?.value ?? '')).toMatchObject({ requireApproval: 2, updatedBy: 'admin' });
    await expect(setPolicy(source, NS, { requireApproval: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(setPolicy(source, NS, { requireApproval: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await source.put(`/dials/policy/${NS}`, '{"requireApproval": "two"}');
    await expect(getPolicy(source, NS)).rejects.toMatchObject({ code: 'PARSE_ERROR', key: `/dials/policy/${NS}` });
    // A broken policy stops writes rather than letting them through.
    await expect(publishKeys(source, [{ key: K('x'), after: '1' }], { namespace: NS })).rejects.toMatchObject({ code: 'PARSE_ERROR' });
  });

  it('refuses a direct write with APPROVAL_REQUIRED, through publishKeys, dials.publish and rollback; nothing is written', async () => {
    const source = memorySource({ initial: { [K('db/port')]: 5432 } });
    const release = await publishKeys(source, [{ key: K('db/port'), after: '1' }], { namespace: NS });
    await setPolicy(source, NS, { requireApproval: 1 });
    const direct = await rejection(publishKeys(source, [{ key: K('db/port'), after: '2' }], { namespace: NS }));
    expect(direct).toMatchObject({ code: 'APPROVAL_REQUIRED', key: K('db/port') });
    expect(direct.message).toContain('createChangeRequest');
    const dials = createDials({ source, prefix: `/${NS}/` });
    await dials.ready();
    await expect(dials.publish({ 'db/port': 3 })).rejects.toMatchObject({ code: 'APPROVAL_REQUIRED' });
    await expect(rollbackRelease(source, release)).rejects.toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect((await source.get(K('db/port')))?.value).toBe('1');
    await dials.close();
  });

  it('covers the namespaces below it, whatever namespace the write is recorded in', async () => {
    const source = memorySource();
    await setPolicy(source, 'config/shop', { requireApproval: 1 });
    await expect(publishKeys(source, [{ key: K('a'), after: '1' }], { namespace: NS })).rejects.toMatchObject({
      code: 'APPROVAL_REQUIRED',
    });
    await expect(publishKeys(source, [{ key: K('a'), after: '1' }], { namespace: 'config' })).rejects.toMatchObject({
      code: 'APPROVAL_REQUIRED',
    });
    // Another app is not covered.
    await publishKeys(source, [{ key: '/config/other/a', after: '1' }], { namespace: 'config/other' });
  });
});

describe('change requests', () => {
  it('hold the diff against the base revision, with a revision for an id, listed newest first', async () => {
    const source = await protectedSource();
    const first = await draft(source);
    expect(first).toMatchObject({ namespace: NS, author: 'ana', state: 'open', title: 'new port', approvals: [] });
    expect(first.changes).toEqual([{ key: K('db/port'), before: '5432', after: '6543' }]);
    expect(first.baseRevision).toBeGreaterThanOrEqual((await source.get(K('db/port')))?.modRevision ?? Infinity);
    const second = await createChangeRequest(source, { namespace: NS, changes: [{ key: K('db/host'), after: undefined }] });
    expect(Number(second.id)).toBeGreaterThan(Number(first.id));
    expect(second.title).toBe(`1 change to ${NS}`);
    expect((await listChangeRequests(source, NS)).map((c) => c.id)).toEqual([second.id, first.id]);
    expect(await getChangeRequest(source, NS, first.id)).toEqual(first);
    // Nothing is written to the config until it is applied.
    expect((await source.get(K('db/port')))?.value).toBe('5432');
  });

  it('refuse bad input with a clear error naming the key, never a crash', async () => {
    const source = await protectedSource();
    const create = (changes: { key: string; after: string | undefined }[], title?: string) =>
      createChangeRequest(source, { namespace: NS, title, changes });
    expect(await rejection(create([]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejection(create([{ key: '/config/other/x', after: '1' }]))).toMatchObject({ key: '/config/other/x' });
    const twice = await rejection(
      create([
        { key: K('a'), after: '1' },
        { key: K('a'), after: '2' },
      ]),
    );
    expect(twice).toMatchObject({ code: 'INVALID_ARGUMENT', key: K('a') });
    expect(await rejection(create([{ key: K('db/password'), after: '"<redacted>"' }]))).toMatchObject({
      code: 'INVALID_VALUE',
      key: K('db/password'),
    });
    expect(await rejection(create([{ key: K('a'), after: '1' }], 'x'.repeat(201)))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Odd keys are keys; HTML in a title is text.
    const odd = await create([{ key: K('__proto__/constructor'), after: '1' }], '<script>alert(1)</script>');
    expect((await getChangeRequest(source, NS, odd.id)).title).toBe('<script>alert(1)</script>');
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
    for (const id of ['__proto__', '12a', '', '../1'])
      expect(await rejection(getChangeRequest(source, NS, id))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejection(getChangeRequest(source, NS, '999999'))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      key: `${CHANGES_PREFIX}${NS}/999999`,
    });
  });

  it('name a malformed or forged record, and list the others', async () => {
    const source = await protectedSource();
    const good = await draft(source);
    await source.put(`${CHANGES_PREFIX}${NS}/5`, 'not json');
    await source.put(`${CHANGES_PREFIX}${NS}/6`, JSON.stringify({ ...good, id: '6', state: 'merged' }));
    await source.put(`${CHANGES_PREFIX}${NS}/7`, JSON.stringify({ ...good }));
    const skipped: string[] = [];
    expect((await listChangeRequests(source, NS, { onSkipped: (key) => skipped.push(key) })).map((c) => c.id)).toEqual([good.id]);
    expect(skipped.sort()).toEqual([5, 6, 7].map((n) => `${CHANGES_PREFIX}${NS}/${n}`));
    expect(await rejection(getChangeRequest(source, NS, '5'))).toMatchObject({ code: 'PARSE_ERROR', key: `${CHANGES_PREFIX}${NS}/5` });
    expect((await rejection(getChangeRequest(source, NS, '7'))).message).toContain('forged');
  });

  it('need approvals from others than the author, each person once; approved when the policy is met', async () => {
    const source = await protectedSource(2);
    const cr = await draft(source);
    expect((await rejection(approveChangeRequest(source, NS, cr.id, { by: 'ana' }))).message).toContain('cannot approve');
    expect(await approveChangeRequest(source, NS, cr.id, { by: 'bob' })).toMatchObject({ state: 'open' });
    expect((await rejection(approveChangeRequest(source, NS, cr.id, { by: 'bob' }))).message).toContain('already approved');
    const approved = await approveChangeRequest(source, NS, cr.id, { by: 'eve' });
    expect(approved.state).toBe('approved');
    expect(approved.approvals.map((a) => a.by)).toEqual(['bob', 'eve']);
    expect(approved.history.map((h) => h.action)).toEqual(['created', 'approved', 'approved']);
  });

  it('record every one of several concurrent approvals (compare-and-set, retried)', async () => {
    const source = await protectedSource(5);
    const cr = await draft(source);
    await Promise.all(['b', 'c', 'd', 'e', 'f'].map((by) => approveChangeRequest(source, NS, cr.id, { by })));
    const after = await getChangeRequest(source, NS, cr.id);
    expect(after.approvals.map((a) => a.by).sort()).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(after.state).toBe('approved');
  });

  it('an edit replaces the changes at a new base, voids approvals and cancels the schedule; its editor cannot approve', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    await approveChangeRequest(source, NS, cr.id, { by: 'bob' });
    await scheduleChangeRequest(source, NS, cr.id, { at: new Date(Date.now() + 3_600_000), by: 'ana' });
    await source.put(K('db/port'), '5433');
    const edited = await editChangeRequest(source, NS, cr.id, { by: 'bob', changes: [{ key: K('db/port'), after: '7000' }] });
    expect(edited).toMatchObject({ state: 'open', approvals: [], changes: [{ key: K('db/port'), before: '5433', after: '7000' }] });
    expect(edited.schedule).toBeUndefined();
    expect(edited.baseRevision).toBeGreaterThan(cr.baseRevision);
    expect(edited.history.at(-1)).toMatchObject({ action: 'edited', by: 'bob' });
    expect(edited.history.at(-1)?.detail).toMatch(/1 approval voided.*scheduled .* is cancelled/);
    expect((await rejection(approveChangeRequest(source, NS, cr.id, { by: 'bob' }))).message).toContain('cannot approve');
    expect((await approveChangeRequest(source, NS, cr.id, { by: 'eve' })).state).toBe('approved');
  });

  it('reject, cancel and schedule move between states; closed requests refuse what no longer applies', async () => {
    const source = await protectedSource();
    const cr = await draft(source);
    expect((await rejection(rejectChangeRequest(source, NS, cr.id, { by: 'ana' }))).message).toContain('cancel it');
    expect(await rejectChangeRequest(source, NS, cr.id, { by: 'bob', reason: 'too high' })).toMatchObject({
      state: 'rejected',
      rejections: [{ by: 'bob', reason: 'too high' }],
    });
    expect((await rejection(approveChangeRequest(source, NS, cr.id, { by: 'eve' }))).message).toContain('is rejected');
    await expect(scheduleChangeRequest(source, NS, cr.id, { at: '2020-01-01T00:00Z' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(scheduleChangeRequest(source, NS, cr.id, { at: 'tomorrow' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const other = await draft(source, '1');
    const at = new Date(Date.now() + 60_000).toISOString();
    expect((await scheduleChangeRequest(source, NS, other.id, { at, by: 'ana' })).schedule).toEqual({ at, by: 'ana' });
    expect((await unscheduleChangeRequest(source, NS, other.id)).schedule).toBeUndefined();
    expect(await cancelChangeRequest(source, NS, other.id, { by: 'ana' })).toMatchObject({ state: 'cancelled' });
    await expect(applyChangeRequest(source, NS, other.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
