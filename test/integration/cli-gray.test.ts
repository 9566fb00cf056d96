import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDials, type Dials, etcdSource, grayBucket, type Source } from '@dials/core';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { runDials, runJson } from '../helpers/cli.js';
import { until } from '../helpers/events.js';
import { rawClient } from '../helpers/keys.js';

// The gray release flow as an operator runs it with `dials`, against a real etcd, with labelled
// instances (createDials with labels) following the namespace: set --gray, see who is on it
// (gray show, fleet), step, pause, promote, abandon; import and sync --gray; usage errors.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
const demoFlags = fileURLToPath(new URL('../../apps/demo/flags.flagd.json', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'dials-cli-gray-'));
afterAll(() => {
  etcd.close();
  rmSync(cwd, { recursive: true, force: true });
});
const dials = (...args: string[]) => runDials(endpoint, args, {}, cwd);
const json = (...args: string[]) => runJson(endpoint, args);

/** A namespace of three segments, as `dials set` infers from a key (`config/<uuid>/dev`), and its prefix. */
function space(): { prefix: string; namespace: string } {
  const namespace = `config/${randomUUID()}/dev`;
  return { prefix: `/${namespace}/`, namespace };
}

const schema = { pool: z.coerce.number().int(), mode: z.string().optional(), sentinel: z.coerce.number().optional() };

interface Member {
  readonly id: string;
  readonly canary: boolean;
  readonly dials: Dials<typeof schema>;
  readonly seen: unknown[];
}

/** `count` instances on `prefix`, labelled canary=true when `canary(i)`; each records every `pool` it serves. */
async function fleet(source: Source, prefix: string, count: number, canary: (i: number) => boolean): Promise<Member[]> {
  const members = Array.from({ length: count }, (_, i) => {
    const labels = { canary: String(canary(i)), zone: 'eu-1' };
    const dials = createDials({ source, prefix, app: 'shop', instanceId: `i${i}`, reportTtlMs: 1000, labels, schema });
    return { id: `i${i}`, canary: canary(i), dials, seen: [] as unknown[] };
  });
  await Promise.all(members.map((m) => m.dials.ready()));
  for (const m of members) m.dials.value$('pool').subscribe((v) => m.seen.push(v));
  return members;
}

/** Write a sentinel and wait until every member applied it: what was written before has reached them all. */
async function settled(prefix: string, members: readonly Member[]): Promise<void> {
  const value = Date.now();
  await etcd.put(`${prefix}sentinel`).value(String(value));
  await Promise.all(members.map((m) => until(m.dials.value$('sentinel'), (v) => v === value)));
}

/** `dials set ... --gray ...`: exit 0, and the id of the gray release it wrote. */
async function grayId(...args: string[]): Promise<string> {
  const run = await json(...args);
  expect(run.code, run.stderr).toBe(0);
  const id = run.data.release.gray.id as string;
  expect(id).toMatch(/^g-[0-9a-f]{8}$/);
  return id;
}

describe('dials set --gray and dials gray', () => {
  it('only the labelled instances apply it, the fleet and gray show say who is on it, promote gives it to everyone', async () => {
    const { prefix, namespace } = space();
    await etcd.put(`${prefix}pool`).value('10');
    const source = etcdSource({ endpoints: endpoint });
    const members = await fleet(source, prefix, 6, (i) => i % 2 === 0);
    const canaries = members.filter((m) => m.canary).map((m) => m.id);

    const set = await dials('set', `${prefix}pool`, '20', '--gray', 'canary=true', '-m', 'bigger pool');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(
      new RegExp(
        `✓ gray release g-[0-9a-f]{8} \\(release \\d+, 1 change\\) in ${namespace} for instances labelled canary=true, all at once`,
      ),
    );
    const id = (set.stdout.match(/gray release (g-[0-9a-f]{8})/) as RegExpMatchArray)[1] as string;
    await Promise.all(members.filter((m) => m.canary).map((m) => until(m.dials.value$('pool'), (v) => v === 20)));
    await settled(prefix, members);
    for (const m of members) {
      expect(m.dials.get('pool'), m.id).toBe(m.canary ? 20 : 10);
      if (!m.canary) expect(m.seen, m.id).toEqual([10]);
    }
    expect((await dials('get', `${prefix}pool`)).stdout.trim()).toBe('10'); // the key itself is untouched

    const listed = await json('gray', 'ls', namespace);
    expect(listed.data.gray).toEqual([
      expect.objectContaining({ id, namespace, labels: { canary: 'true' }, keys: 1, message: 'bigger pool' }),
    ]);
    await vi.waitFor(async () => expect([...((await json('fleet', namespace)).data.gray[id] ?? [])].sort()).toEqual(canaries), {
      timeout: 10_000,
    });
    const shownFleet = await dials('fleet', namespace);
    expect(shownFleet.stdout).toContain(`on gray release ${id}: 3 instances`);
    expect(shownFleet.stdout).toMatch(/i0 .*canary=true.* g-/);
    const show = await json('gray', 'show', id, '--namespace', namespace);
    expect(show.data.values).toEqual([{ key: `${prefix}pool`, value: '20' }]);
    expect([...show.data.instances.on].sort()).toEqual(canaries);
    expect((await dials('gray', 'show', id, '--namespace', prefix)).stdout).toContain(`${prefix}pool = 20`);

    const promote = await dials('gray', 'promote', id, '--namespace', namespace, '-m', 'pool 20 for all');
    expect(promote.code, promote.stderr).toBe(0);
    expect(promote.stdout).toContain(`gray release ${id} promoted`);
    await Promise.all(members.map((m) => until(m.dials.value$('pool'), (v) => v === 20)));
    await settled(prefix, members);
    for (const m of members) expect(m.seen, m.id).toEqual([10, 20]); // the canaries kept 20 throughout
    expect((await dials('get', `${prefix}pool`)).stdout.trim()).toBe('20');
    expect((await json('gray', 'ls', namespace)).data.gray).toEqual([]);
    const history = await dials('history', prefix);
    expect(history.stdout).toContain(`[promotes ${id}] pool 20 for all`);
    expect(history.stdout).toContain(`[gray ${id}] bigger pool`);
    // Gone now: promote again names the release and exits 1.
    const again = await dials('gray', 'promote', id, '--namespace', namespace);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No gray release ${id} in namespace ${namespace}`);
    await Promise.all(members.map((m) => m.dials.close()));
    await source.close();
  }, 60_000);

  it('abandon: the instances on it go back to the values; staged steps move by hand, not while paused', async () => {
    const { prefix, namespace } = space();
    await etcd.put(`${prefix}pool`).value('10');
    const source = etcdSource({ endpoints: endpoint });
    const members = await fleet(source, prefix, 10, () => true);
    const id = await grayId('set', `${prefix}pool`, '30', '--gray', 'canary=true,zone=eu-1', '--steps', '30%,100%');
    const expected = (percent: number) => members.filter((m) => grayBucket(id, m.id) < percent).map((m) => m.id);
    const on = () => members.filter((m) => m.dials.get('pool') === 30).map((m) => m.id);
    await settled(prefix, members);
    await vi.waitFor(() => expect(on()).toEqual(expected(30)));

    expect((await dials('gray', 'pause', id, '--namespace', namespace)).stdout).toContain(`gray release ${id}: 30% (step 1 of 2) paused`);
    const refused = await dials('gray', 'advance', id, '--namespace', namespace);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Gray release ${id} is paused`);
    expect((await dials('gray', 'resume', id, '--namespace', namespace)).code).toBe(0);
    expect((await dials('gray', 'advance', id, '--namespace', namespace)).stdout).toContain('100% (step 2 of 2)');
    await Promise.all(members.map((m) => until(m.dials.value$('pool'), (v) => v === 30)));

    const abandon = await dials('gray', 'abandon', id, '--namespace', namespace);
    expect(abandon.code, abandon.stderr).toBe(0);
    expect(abandon.stdout).toContain(`gray release ${id} abandoned`);
    await Promise.all(members.map((m) => until(m.dials.value$('pool'), (v) => v === 10)));
    await settled(prefix, members);
    for (const m of members) expect(m.seen, m.id).toEqual([10, 30, 10]);
    expect(await etcd.getAll().prefix(`/dials/gray/${namespace}/`).keys()).toEqual([]);
    expect((await json('history', prefix)).data.releases[0]).toMatchObject({ abandons: id });
    await Promise.all(members.map((m) => m.dials.close()));
    await source.close();
  }, 60_000);

  it('import --apply and sync --apply with --gray write a gray release of the plan; the keys stay as they were', async () => {
    const { prefix, namespace } = space();
    const staging = `/config/${randomUUID()}/staging/`;
    await etcd.put(`${prefix}pool`).value('10');
    await etcd.put(`${staging}mode`).value('"fast"');
    const source = etcdSource({ endpoints: endpoint });
    const members = await fleet(source, prefix, 2, (i) => i === 0);
    writeFileSync(join(cwd, 'pool.yaml'), 'pool: 40\n');

    const imported = await dials('import', 'pool.yaml', '--prefix', prefix, '--apply', '--gray', 'canary=true');
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('for instances labelled canary=true');
    const synced = await dials('sync', staging, prefix, '--apply', '--gray', 'canary=true', '--namespace', namespace);
    expect(synced.code, synced.stderr).toBe(0);
    const [canary, stable] = members as [Member, Member];
    await until(canary.dials.value$('pool'), (v) => v === 40);
    await until(canary.dials.value$('mode'), (v) => v === 'fast');
    await settled(prefix, members);
    expect([stable.dials.get('pool'), stable.dials.get('mode')]).toEqual([10, undefined]);
    expect((await etcd.getAll().prefix(prefix).keys()).sort()).toEqual([`${prefix}pool`, `${prefix}sentinel`]);
    expect((await json('gray', 'ls', namespace)).data.gray).toHaveLength(2);
    await Promise.all(members.map((m) => m.dials.close()));
    await source.close();
  }, 60_000);

  it('usage errors exit 2 and write nothing; a key outside the namespace exits 1, naming it', async () => {
    const { prefix, namespace } = space();
    for (const args of [
      ['set', `${prefix}pool`, '1', '--gray', 'canary'],
      ['set', `${prefix}pool`, '1', '--gray', 'canary=true', '--ttl', '1m'],
      ['set', `${prefix}pool`, '1', '--gray', 'canary=true', '--steps', '50%,10%'],
      ['set', `${prefix}pool`, '1', '--steps', '10%'],
      ['sync', prefix, prefix, '--apply', '--delete', '--gray', 'canary=true'],
      ['import', demoFlags, '--prefix', prefix, '--apply', '--gray', 'canary=true'], // flags roll out by targeting
      ['gray', 'promote', 'g-00000000'],
      ['gray', 'stop', 'g-00000000', '--namespace', namespace],
    ]) {
      const run = await dials(...args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
    }
    expect(await etcd.getAll().prefix(`/dials/gray/${namespace}/`).keys()).toEqual([]);
    const outside = await dials('set', '/elsewhere/pool', '1', '--gray', 'canary=true', '--namespace', namespace);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(`/elsewhere/pool does not lie under ${prefix}`);
    const missing = await json('gray', 'abandon', 'g-00000000', '--namespace', namespace);
    expect(missing.code).toBe(1);
    expect(missing.data.error.message).toContain(`No gray release g-00000000 in namespace ${namespace}`);
  });

  it('a namespace under a review policy takes no gray release: exit 1, naming it, nothing written', async () => {
    const { prefix, namespace } = space();
    await etcd.put(`${prefix}pool`).value('10');
    expect((await dials('policy', 'set', namespace, '--require-approval', '1')).code).toBe(0);
    const run = await dials('set', `${prefix}pool`, '20', '--gray', 'canary=true');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${namespace} requires review`);
    expect(await etcd.getAll().prefix(`/dials/gray/${namespace}/`).keys()).toEqual([]);
    expect(await etcd.getAll().prefix(`/dials/changes/${namespace}/`).keys()).toEqual([]); // no draft either
  });
});
