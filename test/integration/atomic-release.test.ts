import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ChangeSet, createDials, type Dials, type DialsOptions, etcdSource, publishKeys } from '@dials/core';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runJson } from '../helpers/cli.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// A release larger than one etcd transaction (128 operations), seen by Dials readers whole.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
const children: ChildProcess[] = [];
const readers: Dials[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(readers.map((r) => r.close()));
  etcd.close();
});

afterEach(() => vi.useRealTimers());

const N = 5_000;
const keyOf = (prefix: string, i: number) => `${prefix}k${String(i).padStart(4, '0')}`;

async function seed(prefix: string): Promise<void> {
  for (let start = 0; start < N; start += 100) {
    const txn = etcd.if(keyOf(prefix, start), 'Create', '>', -1);
    const ops = Array.from({ length: Math.min(100, N - start) }, (_, j) => etcd.put(keyOf(prefix, start + j)).value('"old"'));
    await txn.then(...ops).commit();
  }
}

/** A reader on its own connection (its own watch streams), recording each change set and whether the view after it was mixed. */
async function reader(prefix: string, holdReleases: DialsOptions['holdReleases'] = true) {
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix, holdReleases, report: false });
  readers.push(dials);
  await dials.ready();
  const sets: ChangeSet[] = [];
  const mixed: number[] = [];
  const errors: string[] = [];
  dials.errors$.subscribe((error) => errors.push(error.code));
  dials.changes$.subscribe((set) => {
    sets.push(set);
    const seen = new Set(Object.values(dials.snapshot.values));
    if (seen.size > 1) mixed.push(set.revision);
  });
  return { dials, sets, mixed, errors };
}

const count = (dials: Dials, value: string) => Object.values(dials.snapshot.values).filter((v) => v === value).length;

describe('atomic releases of any size (real etcd)', () => {
  it(`${N} changes in one release: every reader applies them in one change set, never half`, async () => {
    const prefix = uniquePrefix('atomic');
    await seed(prefix);
    // Two readers trust etcd's order of the mark and the keys (the default, once the mark watch is
    // caught up, a second after connecting: the clock is moved a minute on); one checks each change
    // against etcd's history.
    const held = await Promise.all([reader(prefix), reader(prefix), reader(prefix, 'strict')]);
    const unheld = await reader(prefix, false);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    const changes = Array.from({ length: N }, (_, i) => ({ key: keyOf(prefix, i), after: '"new"' }));
    const release = await publishKeys(etcdSource({ endpoints: endpoint }), changes, { namespace: prefix.slice(1, -1) });
    expect(release.changes).toHaveLength(N);
    for (const r of held) {
      await vi.waitFor(() => expect(count(r.dials, 'new')).toBe(N), { timeout: 20_000 });
      expect(r.sets).toHaveLength(1);
      expect(r.sets[0]?.changes).toHaveLength(N);
      expect(r.mixed).toEqual([]);
      expect(r.errors).toEqual([]);
    }
    vi.useRealTimers();
    // The same reader without holding sees the transactions one by one: what the others are spared.
    await vi.waitFor(() => expect(count(unheld.dials, 'new')).toBe(N), { timeout: 20_000 });
    expect(unheld.sets.length).toBeGreaterThan(30);
    expect(unheld.mixed.length).toBeGreaterThan(0);
  }, 60_000);

  it('a writer SIGKILLed half-way: readers hold until its lease ends, apply what etcd holds at once, and `dials release resume` finishes it whole', async () => {
    const prefix = uniquePrefix('atomic-kill');
    const namespace = prefix.slice(1, -1);
    await seed(prefix);
    const held = await Promise.all([reader(prefix), reader(prefix)]);
    // Count the new values as etcd writes them; kill the writer past the first thousand.
    let written = 0;
    const watcher = await etcd.watch().prefix(prefix).create();
    const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
    const script = `import { etcdSource, publishKeys } from ${JSON.stringify(core)};
      const changes = Array.from({ length: ${N} }, (_, i) => ({ key: process.env.PREFIX + 'k' + String(i).padStart(4, '0'), after: '"new"' }));
      await publishKeys(etcdSource({ endpoints: process.env.ENDPOINT }), changes, { namespace: process.env.NAMESPACE, message: 'big one' });`;
    const writer = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ENDPOINT: endpoint, PREFIX: prefix, NAMESPACE: namespace },
      stdio: 'inherit',
    });
    children.push(writer);
    const killed = new Promise<void>((resolve) => {
      watcher.on('put', () => {
        written++;
        if (written >= 1_000 && writer.exitCode === null && !writer.killed) {
          writer.kill('SIGKILL');
          resolve();
        }
      });
    });
    await killed;
    await watcher.cancel();
    // Until the writer's lease ends, the readers keep the old values.
    for (const r of held) expect(count(r.dials, 'new')).toBe(0);
    const inEtcd = async () => Object.values(await etcd.getAll().prefix(prefix).strings()).filter((v) => v === '"new"').length;
    for (const r of held) {
      await vi.waitFor(() => expect(r.sets).toHaveLength(1), { timeout: 30_000, interval: 100 });
      expect(count(r.dials, 'new')).toBe(await inEtcd());
      expect(count(r.dials, 'new')).toBeLessThan(N);
      expect(r.mixed).toHaveLength(1); // the documented rule: what etcd holds, applied at once
    }
    const unfinished = await runJson(endpoint, ['release', 'ls', namespace]);
    expect(unfinished.data.inProgress).toEqual([]);
    const [interrupted] = unfinished.data.interrupted as { id: string; message: string }[];
    expect(interrupted).toMatchObject({ message: 'big one' });
    const resumed = await runJson(endpoint, ['release', 'resume', interrupted?.id as string, '--namespace', namespace, '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.data.release.changes).toHaveLength(N);
    for (const r of held) {
      await vi.waitFor(() => expect(count(r.dials, 'new')).toBe(N), { timeout: 20_000 });
      expect(r.sets).toHaveLength(2); // the rest, in one more change set
    }
    expect((await runJson(endpoint, ['release', 'ls', namespace])).data.interrupted).toEqual([]);
  }, 90_000);
});
