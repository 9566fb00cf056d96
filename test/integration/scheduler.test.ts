import { randomUUID } from 'node:crypto';
import {
  approveChangeRequest,
  type ChangeRequest,
  createChangeRequest,
  editChangeRequest,
  etcdSource,
  getChangeRequest,
  listReleases,
  type Source,
  scheduleChangeRequest,
  setPolicy,
} from '@dials/core';
import { type Scheduler, type SchedulerEvent, startScheduler } from '@dials/discovery';
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDials } from '../helpers/cli.js';
import { TestClock } from '../helpers/clock.js';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';

// Scheduled change requests, applied by whichever scheduler leads the election, on a clock the
// test moves (never a sleep): at their time and not before, once, and not at all when edited or
// moved. Its own etcd: elections and leases are killed here.
let server: EtcdServer;
let cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  server = await EtcdServer.start();
});
// Each test's schedulers stop with it: one whose clock was moved on would apply the next test's requests.
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});
afterAll(() => server.destroy());

function source(): Source {
  const s = etcdSource({ endpoints: server.endpoint });
  cleanups.push(() => s.close());
  return s;
}

function scheduler(options: { source: Source; clock: TestClock; election: string; identity: string }): Scheduler {
  const s = startScheduler({ ...options, ttlMs: 1_000 });
  cleanups.push(() => s.close());
  return s;
}

const HOUR = 3_600_000;

/** A namespace of the test's own with a port, a policy of one approval, and a request approved by bob and scheduled in an hour. */
async function scheduledRequest(s: Source): Promise<{ ns: string; key: string; cr: ChangeRequest; at: number }> {
  const ns = `config/sched-${randomUUID().slice(0, 8)}/prod`;
  const key = `/${ns}/db/port`;
  await s.put(key, '5432');
  await setPolicy(s, ns, { requireApproval: 1 });
  const cr = await createChangeRequest(s, { namespace: ns, author: 'ana', title: 'port', changes: [{ key, after: '6543' }] });
  await approveChangeRequest(s, ns, cr.id, { by: 'bob' });
  const scheduled = await scheduleChangeRequest(s, ns, cr.id, { at: new Date(Date.now() + HOUR), by: 'ana' });
  return { ns, key, cr: scheduled, at: Date.parse(scheduled.schedule?.at ?? '') };
}

const armed = (clock: TestClock, at: number) => until(clock.pending$, (times) => times.includes(at));
const on = (s: Scheduler, type: SchedulerEvent['type']) => until(s.events$, (e) => e.type === type, 20_000);

describe('the scheduler', () => {
  it('applies an approved request at its time, not a millisecond before, as a release linking it', async () => {
    const s = source();
    const { ns, key, cr, at } = await scheduledRequest(s);
    const clock = new TestClock(Date.now());
    const sched = scheduler({ source: source(), clock, election: `e-${randomUUID()}`, identity: 'sched-a' });
    await armed(clock, at);
    clock.advanceTo(at - 1);
    expect(clock.pending$.value).toEqual([at]);
    expect((await s.get(key))?.value).toBe('5432');
    const applied = on(sched, 'applied');
    clock.advanceTo(at);
    expect(await applied).toMatchObject({ type: 'applied', namespace: ns, id: cr.id });
    expect((await s.get(key))?.value).toBe('6543');
    const after = await getChangeRequest(s, ns, cr.id);
    expect(after).toMatchObject({ state: 'applied' });
    expect(after.schedule).toBeUndefined();
    expect(after.history.at(-1)).toMatchObject({ action: 'applied', by: 'sched-a' });
    const [release] = await listReleases(s, ns);
    expect(release).toMatchObject({ id: after.release, changeRequest: cr.id, approvers: ['bob'], author: 'sched-a' });
  });

  it('an edit after approval cancels the scheduled apply, saying so; nothing is written at the time', async () => {
    const s = source();
    const { ns, key, cr, at } = await scheduledRequest(s);
    const clock = new TestClock(Date.now());
    const sched = scheduler({ source: source(), clock, election: `e-${randomUUID()}`, identity: 'sched-b' });
    await armed(clock, at);
    await editChangeRequest(s, ns, cr.id, { by: 'bob', changes: [{ key, after: '7000' }] });
    await until(clock.pending$, (times) => times.length === 0); // the scheduler saw the edit
    const events: SchedulerEvent[] = [];
    sched.events$.subscribe((e) => events.push(e));
    clock.advanceTo(at + HOUR);
    const after = await getChangeRequest(s, ns, cr.id);
    expect(after).toMatchObject({ state: 'open', approvals: [] });
    expect(after.schedule).toBeUndefined();
    expect(after.history.at(-1)?.detail).toContain(`the apply scheduled at ${new Date(at).toISOString()} is cancelled`);
    expect((await s.get(key))?.value).toBe('5432');
    expect(events.filter((e) => e.type === 'applied')).toEqual([]);
  });

  it('a request no longer approved enough, or whose key moved, is not applied at its time: the schedule is cancelled with the reason', async () => {
    const s = source();
    const raised = await scheduledRequest(s);
    const moved = await scheduledRequest(s);
    const clock = new TestClock(Date.now());
    const sched = scheduler({ source: source(), clock, election: `e-${randomUUID()}`, identity: 'sched-c' });
    // One timer, for the earliest: both requests were there when it started.
    await armed(clock, Math.min(raised.at, moved.at));
    await setPolicy(s, raised.ns, { requireApproval: 2 }); // raised after the approval
    const etcdctl = new Etcd3({ hosts: server.endpoint });
    await etcdctl.put(moved.key).value('5433'); // a write outside Dials, after the base
    etcdctl.close();
    const reasons = new Map<string, string>();
    const both = until(
      sched.events$,
      (e) => {
        if (e.type === 'not-applied') reasons.set(e.namespace, e.reason);
        return reasons.size === 2;
      },
      20_000,
    );
    clock.advanceTo(Math.max(raised.at, moved.at));
    await both;
    expect(reasons.get(raised.ns)).toContain('1 of the 2 approvals');
    expect(reasons.get(moved.ns)).toContain(`${moved.key} changed at revision`);
    const r = await getChangeRequest(s, raised.ns, raised.cr.id);
    expect(r.history.at(-1)).toMatchObject({ action: 'schedule-cancelled', by: 'sched-c' });
    expect(r.schedule).toBeUndefined();
    const m = await getChangeRequest(s, moved.ns, moved.cr.id);
    expect(m.history.at(-1)).toMatchObject({ action: 'conflict' });
    expect(m.history.at(-1)?.detail).toContain('is cancelled');
    expect([(await s.get(raised.key))?.value, (await s.get(moved.key))?.value]).toEqual(['5432', '5433']);
  });

  it('when the leader loses its election lease before the time, the next leader applies it, once', async () => {
    const s = source();
    const election = `e-${randomUUID()}`;
    const [clockA, clockB] = [new TestClock(Date.now()), new TestClock(Date.now())];
    const a = scheduler({ source: source(), clock: clockA, election, identity: 'sched-a' });
    await on(a, 'leading');
    const b = scheduler({ source: source(), clock: clockB, election, identity: 'sched-b' });
    await on(b, 'following');
    const { ns, key, cr, at } = await scheduledRequest(s);
    await armed(clockA, at);
    const seenByA: SchedulerEvent[] = [];
    a.events$.subscribe((e) => seenByA.push(e));
    // etcd forgets A's lease (as when A pauses past its TTL): its election key goes with it.
    const etcd = new Etcd3({ hosts: server.endpoint });
    const [leaderKey] = (await etcd.getAll().prefix(`/elections/${election}/`).keys()).sort();
    const bLeads = on(b, 'leading');
    await etcd.leaseClient.leaseRevoke({ ID: BigInt(`0x${(leaderKey as string).split('/').pop()}`).toString() });
    etcd.close();
    await bLeads;
    await until(a.events$, () => !a.isLeader);
    await armed(clockB, at);
    const applied = on(b, 'applied');
    clockA.advanceTo(at);
    clockB.advanceTo(at);
    await applied;
    expect(seenByA.filter((e) => e.type === 'applied')).toEqual([]);
    expect((await s.get(key))?.value).toBe('6543');
    expect((await listReleases(s, ns)).filter((r) => r.changeRequest === cr.id)).toHaveLength(1);
    expect((await getChangeRequest(s, ns, cr.id)).history.filter((h) => h.action === 'applied')).toMatchObject([{ by: 'sched-b' }]);
  });

  it('when the leading `dials scheduler` is SIGKILLed before the time, another takes over and applies it once', async () => {
    const s = source();
    const election = `e-${randomUUID()}`;
    const leader = startDials(server.endpoint, ['scheduler', '--election', election, '--ttl', '1s']);
    cleanups.push(() => leader.stop('SIGKILL'));
    await leader.waitFor((out) => out.includes('leading'));
    const clock = new TestClock(Date.now());
    const next = scheduler({ source: source(), clock, election, identity: 'sched-next' });
    await on(next, 'following');
    const { ns, key, cr, at } = await scheduledRequest(s);
    const takesOver = on(next, 'leading');
    expect(await leader.stop('SIGKILL')).toBeNull();
    await takesOver;
    await armed(clock, at);
    const applied = on(next, 'applied');
    clock.advanceTo(at);
    await applied;
    expect((await s.get(key))?.value).toBe('6543');
    expect((await listReleases(s, ns)).filter((r) => r.changeRequest === cr.id)).toHaveLength(1);
    expect((await getChangeRequest(s, ns, cr.id)).history.filter((h) => h.action === 'applied')).toMatchObject([{ by: 'sched-next' }]);
  });
});
