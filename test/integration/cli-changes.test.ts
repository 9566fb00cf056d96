import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDials } from '../helpers/cli.js';
import { rawClient } from '../helpers/keys.js';

// Change requests from the CLI, against the test etcd: a namespace that requires review turns
// `dials set` (and the other writes) into drafts; `dials cr` reviews, edits and applies them,
// compare-and-set against their base revision; `dials cr schedule` hands them to the scheduler
// (whose applying is tested in scheduler.test.ts, on a clock the test moves).
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cr-'));
});
afterAll(() => {
  etcd.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `dials ARGS` as `who` (DIALS_AUTHOR). */
const as = (who: string, ...args: string[]) => runDials(endpoint, args, { DIALS_AUTHOR: who });
/** `dials ARGS --json` as `who`, its output parsed (an error too: `{ error }`). */
async function json(who: string, ...args: string[]) {
  const run = await as(who, ...args, '--json');
  return { ...run, data: JSON.parse(run.stdout.trim().split('\n').pop() || 'null') };
}
const value = async (key: string) => (await etcd.get(key).string()) ?? undefined;

/** A namespace of the test's own (`config/cr-<id>/prod`) holding db/port = 5432, whose policy requires one approval. */
async function reviewed(): Promise<{ ns: string; prefix: string; port: string }> {
  const ns = `config/cr-${randomUUID().slice(0, 8)}/prod`;
  const prefix = `/${ns}/`;
  await etcd.put(`${prefix}db/port`).value('5432');
  const set = await json('root', 'policy', 'set', ns, '--require-approval', '1');
  expect(set.code, set.stderr).toBe(0);
  expect(set.data).toMatchObject({ namespace: ns, key: `/dials/policy/${ns}`, requireApproval: 1, updatedBy: 'root' });
  return { ns, prefix, port: `${prefix}db/port` };
}

describe('dials policy', () => {
  it('sets and shows how many approvals a namespace needs; 0 lets writes through again', async () => {
    const { ns, port } = await reviewed();
    expect((await as('root', 'policy', 'get', ns)).stdout).toContain(`${ns}: writes need 1 approval (change requests)`);
    expect((await as('ana', 'set', port, '1')).stdout).toContain('requires review: nothing was written');
    expect(await value(port)).toBe('5432');
    expect((await as('root', 'policy', 'set', ns, '--require-approval', '0')).code).toBe(0);
    expect((await as('root', 'policy', 'get', ns)).stdout).toContain('writes go straight through');
    expect((await as('ana', 'set', port, '2')).stdout).toContain('✓ release');
    expect(await value(port)).toBe('2');
    const tooMany = await as('root', 'policy', 'set', ns, '--require-approval', '21');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain(`requireApproval must be a whole number from 0 to 20`);
  });
});

describe('dials cr', () => {
  it('a write becomes a draft; its author cannot approve it; another can; an edit voids the approval; apply writes one release linking the request and approvers', async () => {
    const { ns, prefix, port } = await reviewed();
    const draft = await json('ana', 'set', port, '6000', '-m', 'bigger port');
    expect(draft.code, draft.stderr).toBe(0);
    const id: string = draft.data.changeRequest.id;
    expect(draft.data).toMatchObject({ required: 1, changeRequest: { state: 'open', author: 'ana', title: 'bigger port' } });
    expect(draft.data.changeRequest.changes).toEqual([{ key: port, before: '5432', after: '6000' }]);
    expect(await value(port)).toBe('5432');
    expect((await json('ana', 'history', prefix)).data.releases).toEqual([]);
    expect((await json('ana', 'cr', 'ls', ns)).data.changeRequests.map((c: { id: string }) => c.id)).toEqual([id]);

    const own = await as('ana', 'cr', 'approve', id);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain(`ana wrote change request ${id} and cannot approve it`);
    const early = await as('ana', 'cr', 'apply', id, '--namespace', ns);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`Change request ${id} is open, not approved: it cannot be applied`);

    const approved = await json('bob', 'cr', 'approve', id, '-m', 'fine');
    expect(approved.data.changeRequest).toMatchObject({ state: 'approved', approvals: [{ by: 'bob', reason: 'fine' }] });

    // carol edits it: bob's approval is void, and carol (who wrote it now) cannot approve it either.
    writeFileSync(join(dir, 'port.yaml'), 'db:\n  port: 7000\n');
    const edited = await json('carol', 'cr', 'edit', id, join(dir, 'port.yaml'), '--prefix', prefix);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.data.changeRequest).toMatchObject({ state: 'open', approvals: [] });
    expect(edited.data.changeRequest.history.at(-1).detail).toMatch(/^1 change at revision \d+; 1 approval voided$/);
    expect((await as('carol', 'cr', 'approve', id)).stderr).toContain(`carol wrote change request ${id} and cannot approve it`);
    expect((await as('carol', 'cr', 'show', id)).stdout).toContain('from someone other than ana and carol');
    expect((await as('bob', 'cr', 'apply', id)).stderr).toContain('is open, not approved');
    expect((await json('dan', 'cr', 'approve', id, '-m', 'ok')).data.changeRequest.state).toBe('approved');

    const shown = await as('ana', 'cr', 'show', id);
    expect(shown.stdout).toContain(`change request ${id} in ${ns}: bigger port [approved]`);
    expect(shown.stdout).toContain(`~ ${port}: 5432 → 7000`);
    expect(shown.stdout).toMatch(/approvals \(1 of 1\): dan \S+ \S+ \(ok\)/);
    expect(shown.stdout).toContain(`dials cr apply ${id} --namespace ${ns}`);

    const applied = await as('ana', 'cr', 'apply', id);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`applying change request ${id}, approved by dan`);
    expect(await value(port)).toBe('7000');
    const [release] = (await json('ana', 'history', prefix)).data.releases;
    expect(release).toMatchObject({ changeRequest: id, approvers: ['dan'], author: 'ana' });
    const after = (await json('ana', 'cr', 'show', id)).data.changeRequest;
    expect(after).toMatchObject({ state: 'applied', release: release.id });
    // Applied once: again is refused, and nothing more is written.
    expect((await as('ana', 'cr', 'apply', id)).stderr).toContain(`is applied (release ${release.id.replace(/^0+/, '')})`);
    expect((await json('ana', 'history', prefix)).data.releases).toHaveLength(1);
    expect((await json('ana', 'cr', 'ls', ns)).data.changeRequests).toEqual([]);
    expect((await json('ana', 'cr', 'ls', ns, '--all')).data.changeRequests).toHaveLength(1);
  });

  it('apply is a compare-and-set against the base revision: a key moved by etcdctl is a conflict (exit 3), nothing written', async () => {
    const { ns, prefix, port } = await reviewed();
    writeFileSync(join(dir, 'two.json'), JSON.stringify({ db: { port: 6000, host: 'db.internal' } }));
    const created = await json('ana', 'cr', 'create', join(dir, 'two.json'), '--prefix', prefix, '-m', 'port and host');
    expect(created.code, created.stderr).toBe(0);
    const id: string = created.data.changeRequest.id;
    expect(created.data.changeRequest.namespace).toBe(ns);
    await as('bob', 'cr', 'approve', id);
    await etcd.put(port).value('5433'); // outside Dials, after the request's base revision
    const conflict = await as('ana', 'cr', 'apply', id);
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toContain(`Change request ${id} conflicts: ${port} changed at revision`);
    expect(conflict.stderr).toContain('Nothing was written');
    expect([await value(port), await value(`${prefix}db/host`)]).toEqual(['5433', undefined]);
    expect((await json('ana', 'history', prefix)).data.releases).toEqual([]);
    const cr = (await json('ana', 'cr', 'show', id)).data.changeRequest;
    expect(cr.state).toBe('approved');
    expect(cr.history.at(-1)).toMatchObject({ action: 'conflict', by: 'ana' });
    expect((await as('ana', 'cr', 'show', id)).stdout).toContain('edit it to base it on the current values');
  });

  it('reject and cancel: only others reject, the author cancels; neither can be applied', async () => {
    const { ns, port } = await reviewed();
    const id: string = (await json('ana', 'set', port, '1')).data.changeRequest.id;
    expect((await as('ana', 'cr', 'reject', id)).stderr).toContain('cancel it instead of rejecting it');
    const rejected = await json('bob', 'cr', 'reject', id, '-m', 'not on a Friday');
    expect(rejected.data.changeRequest).toMatchObject({ state: 'rejected', rejections: [{ by: 'bob', reason: 'not on a Friday' }] });
    expect((await as('carol', 'cr', 'approve', id)).stderr).toContain(`is rejected: it cannot be approved`);
    const second: string = (await json('ana', 'set', port, '2', '--namespace', ns)).data.changeRequest.id;
    expect((await json('ana', 'cr', 'cancel', second)).data.changeRequest.state).toBe('cancelled');
    expect((await as('ana', 'cr', 'apply', second)).code).toBe(1);
    expect(await value(port)).toBe('5432');
  });

  it('other writes draft too (import, rm, rollback), and a temporary value is refused: it cannot wait for review', async () => {
    const { ns, prefix, port } = await reviewed();
    // A release from before the policy, rolled back after it: the rollback is a draft too.
    await as('root', 'policy', 'set', ns, '--require-approval', '0');
    expect((await as('ana', 'set', port, '6000')).code).toBe(0);
    const [release] = (await json('ana', 'history', prefix)).data.releases;
    await as('root', 'policy', 'set', ns, '--require-approval', '1');
    const rollback = await json('ana', 'rollback', release.id, '--namespace', ns, '--yes');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.data.changeRequest).toMatchObject({ title: `rollback of ${release.id}`, state: 'open' });
    expect(rollback.data.changeRequest.changes).toEqual([{ key: port, before: '6000', after: '5432' }]);
    expect(await value(port)).toBe('6000');
    await etcd.put(port).value('5432');
    writeFileSync(join(dir, 'imp.yaml'), 'db:\n  port: 9000\n');
    const imported = await json('ana', 'import', join(dir, 'imp.yaml'), '--prefix', prefix, '--apply');
    expect(imported.data.changeRequest.changes).toEqual([{ key: port, before: '5432', after: '9000' }]);
    const removed = await json('ana', 'rm', port);
    expect(removed.data.changeRequest.changes).toEqual([{ key: port, before: '5432' }]);
    const ttl = await as('ana', 'set', port, '1', '--ttl', '10m');
    expect(ttl.code).toBe(1);
    expect(ttl.stderr).toContain('a temporary value (--ttl) cannot wait for review; nothing was written');
    expect(await value(port)).toBe('5432');
  });

  it('schedule sets and clears the time the scheduler applies it; a time in the past is refused', async () => {
    const { port } = await reviewed();
    const id: string = (await json('ana', 'set', port, '6000')).data.changeRequest.id;
    const scheduled = await as('ana', 'cr', 'schedule', id, '--at', '2099-12-01T09:00Z');
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain('is to be applied at 2099-12-01T09:00:00.000Z by the scheduler');
    expect(scheduled.stdout).toContain('it is open: unless approved by then, it will not be');
    expect((await json('ana', 'cr', 'show', id)).data.changeRequest.schedule).toEqual({ at: '2099-12-01T09:00:00.000Z', by: 'ana' });
    expect((await as('ana', 'cr', 'ls')).stdout).toMatch(new RegExp(`${id} .* 2099-12-01 09:00:00`));
    const past = await as('ana', 'cr', 'schedule', id, '--at', '2001-01-01T00:00Z');
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('2001-01-01T00:00:00.000Z is in the past');
    expect((await as('ana', 'cr', 'schedule', id, '--cancel')).stdout).toContain('is no longer scheduled');
    expect((await json('ana', 'cr', 'show', id)).data.changeRequest.schedule).toBeUndefined();
  });
});
