import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  abandonGray,
  advanceGray,
  createDials,
  type Dials,
  etcdSource,
  fleetStatus,
  grayBucket,
  grayRelease,
  listReleases,
  promoteGray,
  type Source,
} from '@dials/core';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// Gray releases against a real etcd: labelled instances (clients and processes) on one namespace,
// the overlay written, promoted, abandoned and stepped, each instance checked for what it applies.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  etcd.close();
});

/** An instance in a process of its own: it prints `{ pool, gray }` once ready and after each change. */
class InstanceProcess {
  readonly lines: { ready?: boolean; pool: unknown; gray: string[] }[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly child: ChildProcess;

  constructor(prefix: string, id: string, labels: Record<string, string>) {
    const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
    const script = `import { createDials, etcdSource } from ${JSON.stringify(core)};
      const dials = createDials({ source: etcdSource({ endpoints: process.env.ENDPOINT }), prefix: process.env.PREFIX, app: 'worker',
        instanceId: process.env.ID, labels: JSON.parse(process.env.LABELS), reportTtlMs: 1000 });
      const say = (extra) => console.log(JSON.stringify({ ...extra, pool: dials.get('pool'), gray: dials.grayReleases }));
      await dials.ready();
      say({ ready: true });
      dials.changes$.subscribe(() => say({}));`;
    this.child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ENDPOINT: endpoint, PREFIX: prefix, ID: id, LABELS: JSON.stringify(labels) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(this.child);
    let buffer = '';
    this.child.stdout?.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.lines.push(JSON.parse(line));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The first line (from now on, or already printed) that `predicate` accepts. */
  async line(predicate: (line: InstanceProcess['lines'][number]) => boolean): Promise<InstanceProcess['lines'][number]> {
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

const schema = { pool: z.coerce.number().int(), sentinel: z.coerce.number().optional() };

interface Member {
  readonly id: string;
  readonly canary: boolean;
  readonly dials: Dials<typeof schema>;
  readonly seen: unknown[];
}

/** `count` clients on `prefix`, every third one labelled canary=true; each records every value of `pool` it serves. */
async function clients(source: Source, prefix: string, count: number, canary = (i: number) => i % 3 === 0): Promise<Member[]> {
  const members = Array.from({ length: count }, (_, i) => {
    const id = `c${i}`;
    const dials = createDials({
      source,
      prefix,
      app: 'shop',
      instanceId: id,
      reportTtlMs: 1000,
      labels: { canary: String(canary(i)), zone: i % 2 === 0 ? 'eu-1' : 'us-1' },
      schema,
    });
    return { id, canary: canary(i), dials, seen: [] as unknown[] };
  });
  await Promise.all(members.map((m) => m.dials.ready()));
  for (const m of members) m.dials.value$('pool').subscribe((v) => m.seen.push(v));
  return members;
}

/** Write a sentinel and wait until every member applied it: everything written before has reached them all. */
async function settled(prefix: string, members: readonly Member[]): Promise<void> {
  const value = Date.now();
  await etcd.put(`${prefix}sentinel`).value(String(value));
  await Promise.all(members.map((m) => until(m.dials.value$('sentinel'), (v) => v === value)));
}

describe('gray releases on etcd', () => {
  it('20 labelled instances: exactly the matching ones apply the values, the others never see them; promote gives them to everyone', async () => {
    const prefix = uniquePrefix('gray');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}pool`).value('10');
    const source = etcdSource({ endpoints: endpoint });
    const members = await clients(source, prefix, 18);
    const processes = [
      new InstanceProcess(prefix, 'p-canary', { canary: 'true' }),
      new InstanceProcess(prefix, 'p-stable', { canary: 'false' }),
    ];
    await Promise.all(processes.map((p) => p.line((l) => l.ready === true)));

    const release = await grayRelease(source, [{ key: `${prefix}pool`, after: '20' }], {
      namespace,
      gray: { labels: { canary: 'true' } },
      message: 'pool 20 on canaries',
    });
    const id = release.gray?.id as string;
    const canaries = members.filter((m) => m.canary);
    expect(canaries).toHaveLength(6);
    await Promise.all(canaries.map((m) => until(m.dials.value$('pool'), (v) => v === 20)));
    await processes[0]?.line((l) => l.pool === 20 && l.gray[0] === id);
    await settled(prefix, members);
    for (const m of members) {
      expect(m.dials.get('pool'), m.id).toBe(m.canary ? 20 : 10);
      expect(m.dials.grayReleases).toEqual(m.canary ? [id] : []);
      if (!m.canary) expect(m.seen, m.id).toEqual([10]);
    }
    expect(await etcd.get(`${prefix}pool`).string()).toBe('10');

    // The fleet says who is on it: the six canary clients and the canary process.
    await vi.waitFor(async () => expect((await fleetStatus(source, namespace)).instances).toHaveLength(20), { timeout: 10_000 });
    await vi.waitFor(
      async () =>
        expect([...((await fleetStatus(source, namespace)).gray[id] ?? [])].sort()).toEqual(
          [...canaries.map((m) => m.id), 'p-canary'].sort(),
        ),
      {
        timeout: 10_000,
      },
    );

    const promoted = await promoteGray(source, namespace, id, { author: 'ana' });
    await Promise.all(members.map((m) => until(m.dials.value$('pool'), (v) => v === 20)));
    await processes[1]?.line((l) => l.pool === 20);
    await settled(prefix, members);
    for (const m of members) {
      expect(m.dials.grayReleases).toEqual([]);
      // The canaries kept 20 throughout: the promotion is no change for them.
      expect(m.seen, m.id).toEqual([10, 20]);
    }
    expect(processes[0]?.lines.filter((l) => l.pool === 10 && !l.ready)).toEqual([]);
    expect((await etcd.getAll().prefix(`/dials/gray/${namespace}/`).keys()).length).toBe(0);
    const releases = await listReleases(source, namespace);
    expect(releases.filter((r) => r.promotes === id).map((r) => r.id)).toEqual([promoted.id]);
    expect(releases.filter((r) => r.gray?.id === id)).toHaveLength(1);
    for (const p of processes) p.child.kill('SIGKILL');
    await Promise.all(members.map((m) => m.dials.close()));
    await source.close();
  }, 60_000);

  it('abandon: the matching instances return to the base values at once, in one change', async () => {
    const prefix = uniquePrefix('gray');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}pool`).value('10');
    const source = etcdSource({ endpoints: endpoint });
    const members = await clients(source, prefix, 6);
    const { gray } = await grayRelease(source, [{ key: `${prefix}pool`, after: '30' }], {
      namespace,
      gray: { labels: { canary: 'true', zone: 'eu-1' } },
    });
    // Both labels: canary=true (c0, c3) and zone eu-1 (even) leave c0 alone.
    const selected = members.filter((m, i) => m.canary && i % 2 === 0);
    expect(selected.map((m) => m.id)).toEqual(['c0']);
    const chosen = selected[0]!.dials;
    await until(chosen.value$('pool'), (v) => v === 30);
    await abandonGray(source, namespace, gray?.id as string, { author: 'bo' });
    await until(chosen.value$('pool'), (v) => v === 10);
    await settled(prefix, members);
    for (const m of members) expect(m.seen, m.id).toEqual(selected.includes(m) ? [10, 30, 10] : [10]);
    expect((await listReleases(source, namespace))[0]).toMatchObject({ abandons: gray?.id, author: 'bo' });
    await Promise.all(members.map((m) => m.dials.close()));
    await source.close();
  });

  it('staged 10% → 50% → 100%: each step moves exactly the instances the hash says, and none moves back', async () => {
    const prefix = uniquePrefix('gray');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}pool`).value('10');
    const source = etcdSource({ endpoints: endpoint });
    const members = await clients(source, prefix, 20, () => true);
    const { gray } = await grayRelease(source, [{ key: `${prefix}pool`, after: '40' }], {
      namespace,
      gray: { labels: { canary: 'true' }, steps: [10, 50, 100] },
    });
    const id = gray?.id as string;
    const expected = (percent: number) => members.filter((m) => grayBucket(id, m.id) < percent).map((m) => m.id);
    const on = () => members.filter((m) => m.dials.get('pool') === 40).map((m) => m.id);
    for (const percent of [10, 50, 100]) {
      if (percent > 10) await advanceGray(source, namespace, id);
      await Promise.all(members.filter((m) => expected(percent).includes(m.id)).map((m) => until(m.dials.value$('pool'), (v) => v === 40)));
      await settled(prefix, members);
      expect(on(), `${percent}%`).toEqual(expected(percent));
    }
    for (const m of members) expect(m.seen, m.id).toEqual([10, 40]);
    await Promise.all(members.map((m) => m.dials.close()));
    await source.close();
  }, 30_000);

  it('an instance restarted mid-release comes back on the right side, from its first value on', async () => {
    const prefix = uniquePrefix('gray');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}pool`).value('10');
    const source = etcdSource({ endpoints: endpoint });
    // Thousands of values make the overlay's first read slower than the prefix's: ready() must wait for it all the same.
    const bulk = Array.from({ length: 2000 }, (_, i) => ({ key: `${prefix}bulk/k${i}`, after: JSON.stringify('x'.repeat(100)) }));
    const { gray } = await grayRelease(source, [{ key: `${prefix}pool`, after: '50' }, ...bulk], {
      namespace,
      gray: { labels: { canary: 'true' } },
    });
    for (let round = 0; round < 2; round++) {
      const canary = new InstanceProcess(prefix, 'p-canary', { canary: 'true' });
      const stable = new InstanceProcess(prefix, 'p-stable', { canary: 'false' });
      expect(await canary.line((l) => l.ready === true)).toEqual({ ready: true, pool: 50, gray: [gray?.id] });
      expect(await stable.line((l) => l.ready === true)).toEqual({ ready: true, pool: 10, gray: [] });
      canary.child.kill('SIGKILL');
      stable.child.kill('SIGKILL');
    }
    await source.close();
  }, 30_000);
});
