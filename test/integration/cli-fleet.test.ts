import { createDials, etcdSource } from '@dials/core';
import { createFlags } from '@dials/flags';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { runDials, runJson } from '../helpers/cli.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
afterAll(() => etcd.close());
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);
const day = 86_400_000;
const flag = (state = 'ENABLED') => JSON.stringify({ state, defaultVariant: 'off', variants: { on: true, off: false } });

describe('dials fleet', () => {
  it('lists the namespaces with instances, then one namespace: each instance, and the keys they refuse (exit 1 until fixed)', async () => {
    const prefix = uniquePrefix('cli-fleet');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}port`).value('5432');
    const app = createDials({
      source: etcdSource({ endpoints: endpoint }),
      prefix,
      app: 'shop',
      instanceId: 'shop-1',
      labels: { zone: 'eu-1' },
      schema: { port: z.coerce.number().int().max(1000) },
    });
    await app.ready();
    await vi.waitFor(async () => expect((await json('fleet', namespace)).data.instances).toHaveLength(1));

    const namespaces = (await json('fleet')).data.namespaces as { namespace: string; instances: number }[];
    expect(namespaces).toContainEqual({ namespace, instances: 1 });

    const shown = await dials('fleet', prefix);
    expect(shown.code).toBe(1); // a key is refused
    expect(shown.stdout).toMatch(/shop-1\s+shop\s+degraded/);
    expect(shown.stdout).toContain('zone=eu-1');
    expect(shown.stdout).toContain(`refused ${prefix}port = "5432" by shop (1 instance: shop-1)`);
    expect(shown.stdout).toContain(`outside a release ${prefix}port`); // written by a plain etcd client
    // dials get prints etcd's value, and says on stderr that a running app does not apply it.
    const got = await dials('get', `${prefix}port`);
    expect([got.code, got.stdout.trim()]).toEqual([0, '5432']);
    expect(got.stderr).toContain(`shop (1 running instance) refuses this value and keeps the last good value of ${prefix}port`);
    expect((await json('get', `${prefix}port`)).data.heldBy).toEqual([
      { app: 'shop', instance: 'shop-1', reason: 'invalid', message: expect.any(String) },
    ]);

    await etcd.put(`${prefix}port`).value('800');
    await vi.waitFor(async () => expect((await dials('fleet', namespace)).code).toBe(0));
    expect((await dials('get', `${prefix}port`)).stderr).toBe('');
    await app.close();
    await vi.waitFor(async () => expect((await json('fleet', namespace)).data.instances).toEqual([]));
  });
});

describe('dials fleet: keys written outside a release', () => {
  it('names the keys etcdctl wrote, not those Dials wrote as releases (a report, not a failure: exit 0)', async () => {
    const prefix = uniquePrefix('cli-outside');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}direct`).value('1');
    expect((await dials('set', `${prefix}released`, '2', '--namespace', namespace)).code).toBe(0);
    const report = await json('fleet', namespace);
    expect(report.data.outsideReleases.map((o: { key: string }) => o.key)).toEqual([`${prefix}direct`]);
    const shown = await dials('fleet', namespace);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`outside a release ${prefix}direct (revision `);
    expect(shown.stdout).not.toContain(`${prefix}released`);
    // Written again through Dials, it is a release's again.
    expect((await dials('set', `${prefix}direct`, '3', '--namespace', namespace)).code).toBe(0);
    expect((await json('fleet', namespace)).data.outsideReleases).toEqual([]);
  });
});

describe('dials flags ls and stale: judged by use across the fleet', () => {
  it('shows evaluations and last use, and names flags unused for the window and flags that always answer the same', async () => {
    const prefix = uniquePrefix('cli-stale');
    const namespace = prefix.slice(1, -1);
    for (const name of ['fresh', 'old', 'never', 'constant', 'job']) await etcd.put(`${prefix}${name}`).value(flag());
    await etcd.put(`${prefix}broken`).value('null');
    // What earlier processes left: the lasting records outlive them.
    const record = (name: string, ago: number) =>
      etcd
        .put(`/dials/flag-usage/${namespace}/${name}`)
        .value(JSON.stringify({ flag: name, lastEvaluated: new Date(Date.now() - ago).toISOString() }));
    await record('old', 40 * day);
    await record('fresh', 2 * day);

    // A running instance evaluates `constant` (always `off`), reported with its usage.
    const flags = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix, app: 'shop', instanceId: 'f-1', usageReportMs: 50 });
    await flags.ready();
    for (let i = 0; i < 5; i++) flags.isEnabled('constant', { targetingKey: `u${i}` });
    await vi.waitFor(async () =>
      expect((await json('flags', 'ls', '--prefix', prefix)).data.flags).toContainEqual(
        expect.objectContaining({ key: 'constant', evaluations: 5 }),
      ),
    );

    // A short job evaluates `job` and ends before its first usage report: closing records the use.
    const job = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix, app: 'nightly' });
    await job.ready();
    job.isEnabled('job');
    await job.close();

    const listed = await json('flags', 'ls', '--prefix', prefix);
    expect(listed.stderr).toContain(`${prefix}broken is not a flag`);
    const rows = Object.fromEntries(
      (listed.data.flags as { key: string; evaluations: number; lastEvaluated?: string }[]).map((f) => [f.key, f]),
    );
    expect(Object.keys(rows).sort()).toEqual(['constant', 'fresh', 'job', 'never', 'old']);
    expect(rows.job).toMatchObject({ evaluations: 0, lastEvaluated: expect.any(String) }); // its instance is gone, its record stays
    expect(rows.constant).toMatchObject({ evaluations: 5, lastEvaluated: expect.any(String) });
    expect(rows.never?.lastEvaluated).toBeUndefined();
    const human = await dials('flags', 'ls', '--prefix', prefix);
    expect(human.stdout).toMatch(/old\s+ENABLED\s+off\s+on,off\s+0\s+40 d ago/);

    const stale = await json('flags', 'stale', '--unused-for', '30d', '--prefix', prefix);
    expect(stale.code).toBe(0);
    expect(stale.data.unused.map((f: { key: string }) => f.key).sort()).toEqual(['never', 'old']);
    expect(stale.data.constant).toEqual([{ key: 'constant', variant: 'off', evaluations: 5 }]);
    const narrower = await json('flags', 'stale', '--unused-for', '1d', '--prefix', prefix);
    expect(narrower.data.unused.map((f: { key: string }) => f.key).sort()).toEqual(['fresh', 'never', 'old']);
    await flags.close();
  });
});

describe('what the terminal shows', () => {
  it('escapes control characters in keys and values (no title changes, no cleared screens), but not in --json', async () => {
    const prefix = uniquePrefix('cli-escape');
    const hostile = '\u001b]0;pwned\u0007\u001b[2Jhi\rthere';
    await etcd.put(`${prefix}motd`).value(hostile); // plain text, as etcdctl would write it
    await etcd.put(`${prefix}bad\u001b[2Jkey`).value('1');
    const got = await dials('get', `${prefix}motd`);
    expect(got.stdout).not.toContain('\u001b');
    expect(got.stdout).not.toContain('\r');
    expect(got.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[2Jhi\\x0dthere');
    expect((await json('get', `${prefix}motd`)).data.value).toBe(hostile);
    const listed = await dials('ls', prefix);
    expect(listed.stdout).not.toContain('\u001b');
    expect(listed.stdout).toContain('bad\\x1b[2Jkey = 1');
  });

  it('takes a negative number as a value, not an option', async () => {
    const prefix = uniquePrefix('cli-negative');
    for (const value of ['-5', '-0.25', '-1e3']) {
      const run = await dials('set', `${prefix}offset`, value);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse((await json('get', `${prefix}offset`)).data.value)).toBe(Number(value)); // stored as a JSON number
    }
    expect((await dials('set', `${prefix}offset`, '-x')).code).toBe(2); // an unknown option stays one
  });
});
