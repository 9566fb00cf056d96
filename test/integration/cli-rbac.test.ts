import { createDials, etcdSource } from '@dials/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { runDials, runEtcdctl, startDials } from '../helpers/cli.js';
import { EtcdServer } from '../helpers/etcd.js';

// `dials rbac` prints etcdctl commands; here they are run as printed on an etcd with auth on, and
// every command an operator and an app need is tried with the roles they give, and what they must
// not reach is tried too.
const ROOT = 'root-pw-rbac';
const users = { alice: 'alice-pw', bob: 'bob-pw', carl: 'carl-pw', svc: 'svc-pw' } as const;

let server: EtcdServer;
const as = (user: keyof typeof users, ...args: string[]) =>
  runDials(server.endpoint, args, { DIALS_PASSWORD: users[user], DIALS_AUTHOR: undefined }).then((r) => ({ ...r, args }));
const withUser = (user: keyof typeof users, ...args: string[]) => as(user, ...args, '--user', user);

/** The `etcdctl ...` lines of `dials rbac TEAM`, run as root. */
async function apply(team: string): Promise<string[]> {
  const printed = await runDials(server.endpoint, ['rbac', team]);
  expect(printed.code).toBe(0);
  const commands = printed.stdout
    .split('\n')
    .filter((line) => line.startsWith('etcdctl '))
    .map((line) => (line.split('#')[0] as string).trim().split(/\s+/).slice(1));
  for (const args of commands) await runEtcdctl(server.endpoint, '--user', `root:${ROOT}`, ...args);
  return commands.map((c) => c.join(' '));
}

beforeAll(async () => {
  server = await EtcdServer.start();
  const root = new Etcd3({ hosts: server.endpoint });
  await root.put('/config/shop/production/db/port').value('5432');
  await root.put('/config/shop/staging/db/port').value('5432');
  await root
    .put('/flags/shop/production/dark-mode')
    .value(JSON.stringify({ state: 'ENABLED', defaultVariant: 'off', variants: { on: true, off: false } }));
  await root.user('root').create(ROOT);
  await root.role('root').create();
  await root.user('root').addRole('root');
  await root.auth.authEnable();
  root.close();
  expect(await apply('shop/production')).toContain(
    'role grant-permission shop-production-operator readwrite --prefix=true /config/shop/production/',
  );
  await apply('shop/staging');
  for (const [user, password] of Object.entries(users))
    await runEtcdctl(server.endpoint, '--user', `root:${ROOT}`, 'user', 'add', `${user}:${password}`);
  const grant = (user: string, role: string) => runEtcdctl(server.endpoint, '--user', `root:${ROOT}`, 'user', 'grant-role', user, role);
  await grant('alice', 'shop-production-operator');
  await grant('carl', 'shop-production-operator');
  await grant('bob', 'shop-staging-operator');
  await grant('svc', 'shop-production-app');
}, 60_000);
afterAll(() => server?.destroy());

describe('dials rbac: the roles it prints, applied with etcdctl', () => {
  it('an app with the app role follows its config, reports itself and registers its schema, and cannot write config', async () => {
    const app = createDials({
      source: etcdSource({ endpoints: server.endpoint, auth: { username: 'svc', password: users.svc } }),
      prefix: '/config/shop/production/',
      app: 'shop',
      instanceId: 'shop-1',
      schema: { 'db/port': z.coerce.number().int().positive() },
    });
    await app.ready();
    expect(app.status).toBe('ready');
    await expect(app.publish({ 'db/port': '1' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    // Its report and schema land where the operator role reads them.
    await vi.waitFor(async () => {
      const fleet = await withUser('alice', 'fleet', 'config/shop/production', '--json');
      expect(JSON.parse(fleet.stdout).instances.map((i: { id: string }) => i.id)).toEqual(['shop-1']);
    });
    // The operator's write is checked against the app's schema (read with the operator role)...
    const refused = await withUser('alice', 'set', '/config/shop/production/db/port', '-5');
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('refused by shop');
    // ...and a good one is written and recorded, listed in history, and rolled back.
    expect((await withUser('alice', 'set', '/config/shop/production/db/port', '6432')).code).toBe(0);
    await vi.waitFor(() => expect(app.get('db/port')).toBe(6432));
    const history = await withUser('alice', 'history', '/config/shop/production/', '--json');
    expect(history.code).toBe(0);
    const [latest] = JSON.parse(history.stdout).releases as { id: string; author: string }[];
    expect(latest?.author).toBe('alice');
    expect((await withUser('alice', 'rollback', latest?.id as string, '--namespace', 'config/shop/production', '--yes')).code).toBe(0);
    await vi.waitFor(() => expect(app.get('db/port')).toBe(5432));
    await app.close();
  });

  it("an operator reads and writes the team's flags and sees their use, and nothing of another team", async () => {
    expect((await withUser('alice', 'flags', 'disable', 'dark-mode', '--prefix', '/flags/shop/production/')).code).toBe(0);
    const listed = await withUser('alice', 'flags', 'ls', '--prefix', '/flags/shop/production/', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).flags[0]).toMatchObject({ key: 'dark-mode', state: 'DISABLED' });
    expect((await withUser('alice', 'flags', 'stale', '--prefix', '/flags/shop/production/')).code).toBe(0);

    for (const denied of [
      ['get', '/config/shop/staging/db/port'],
      ['set', '/config/shop/staging/db/port', '1'],
      ['history', '/config/shop/staging/'],
      ['fleet', 'config/shop/staging'],
    ]) {
      const run = await withUser('alice', ...denied);
      expect(run.code, `${denied.join(' ')}: ${run.stdout}${run.stderr}`).toBe(1);
      expect(run.stderr).toContain('permission denied');
    }
    // And the other team's operator the other way round.
    expect((await withUser('bob', 'get', '/config/shop/production/db/port')).code).toBe(1);
    expect((await withUser('bob', 'set', '/config/shop/staging/db/port', '5433')).code).toBe(0);
  });

  it('an operator runs a gray release that a labelled app applies; the other team cannot see or end it', async () => {
    const app = createDials({
      source: etcdSource({ endpoints: server.endpoint, auth: { username: 'svc', password: users.svc } }),
      prefix: '/config/shop/production/',
      app: 'shop',
      instanceId: 'shop-canary',
      labels: { canary: 'true' },
    });
    const errors: string[] = [];
    app.errors$.subscribe((e) => errors.push(e.message));
    await app.ready();
    const set = await withUser('alice', 'set', '/config/shop/production/db/timeout', '30', '--gray', 'canary=true', '--json');
    expect(set.code, set.stderr).toBe(0);
    const id = JSON.parse(set.stdout).release.gray.id as string;
    await vi.waitFor(() => expect(app.get('db/timeout')).toBe(30));
    expect(errors).toEqual([]);
    const listed = await withUser('alice', 'gray', 'ls', 'config/shop/production', '--json');
    expect(JSON.parse(listed.stdout).gray.map((g: { id: string }) => g.id)).toEqual([id]);
    for (const denied of [
      ['gray', 'ls', 'config/shop/production'],
      ['gray', 'abandon', id, '--namespace', 'config/shop/production'],
    ]) {
      const run = await withUser('bob', ...denied);
      expect(run.code, `${denied.join(' ')}: ${run.stdout}${run.stderr}`).toBe(1);
      expect(run.stderr).toContain('permission denied');
    }
    expect((await withUser('alice', 'gray', 'promote', id, '--namespace', 'config/shop/production')).code).toBe(0);
    expect((await withUser('alice', 'get', '/config/shop/production/db/timeout')).stdout.trim()).toBe('30');
    await app.close();
  });

  it('under a review policy set by root, operators draft, review and apply change requests as their etcd user, and cannot lift the policy', async () => {
    const port = '/config/shop/production/db/port';
    // A policy on config/shop covers production and staging: each operator's role reads it.
    expect((await as('alice', 'policy', 'set', 'config/shop', '--require-approval', '1', '--user', `root:${ROOT}`)).code).toBe(0);
    const lift = await withUser('alice', 'policy', 'set', 'config/shop/production', '--require-approval', '0');
    expect(lift.code).toBe(1);
    expect(lift.stderr).toContain('permission denied');
    expect((await withUser('bob', 'set', '/config/shop/staging/db/port', '1')).stdout).toContain('requires review');

    // --author cannot make alice someone else: the etcd user is who asks and who approves.
    const draft = await withUser('alice', 'set', port, '7000', '--author', 'carl', '--json');
    expect(draft.code, draft.stderr).toBe(0);
    const { id, author } = JSON.parse(draft.stdout).changeRequest as { id: string; author: string };
    expect(author).toBe('alice');
    expect((await withUser('alice', 'cr', 'approve', id, '--namespace', 'config/shop/production')).stderr).toContain('cannot approve it');
    // Another team's operator cannot see or approve it.
    expect((await withUser('bob', 'cr', 'approve', id, '--namespace', 'config/shop/production')).stderr).toContain('permission denied');
    const ls = await withUser('carl', 'cr', 'ls');
    expect(ls.code).toBe(2); // every namespace's requests are not carl's to list
    expect(ls.stderr).toContain('give a NAMESPACE');
    expect((await withUser('carl', 'cr', 'approve', id, '--namespace', 'config/shop/production')).code).toBe(0);

    // The team's scheduler runs with an operator's role, in the election dials rbac grants it.
    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect((await withUser('alice', 'cr', 'schedule', id, '--namespace', 'config/shop/production', '--at', at)).code).toBe(0);
    const scheduler = startDials(
      server.endpoint,
      ['scheduler', 'config/shop/production', 'flags/shop/production', '--election', 'shop-production-scheduler', '--user', 'alice'],
      { DIALS_PASSWORD: users.alice },
    );
    await scheduler.waitFor((out) => out.includes('leading'));
    expect(await scheduler.stop('SIGINT')).toBe(0);

    const applied = await withUser('alice', 'cr', 'apply', id, '--namespace', 'config/shop/production');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`applying change request ${id}, approved by carl`);
    const history = await withUser('alice', 'history', '/config/shop/production/', '--json');
    expect(JSON.parse(history.stdout).releases[0]).toMatchObject({ changeRequest: id, approvers: ['carl'], author: 'alice' });
  });
});
