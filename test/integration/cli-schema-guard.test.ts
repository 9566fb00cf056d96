import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDials, describeSchema, etcdSource } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { runDials, runJson } from '../helpers/cli.js';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// Every CLI write path is checked against the schemas the running apps registered: refused with
// exit 1, naming the key and the app, and etcd (the keys and the release records) is left as it was.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);
const flag = (state: string) => JSON.stringify({ state, defaultVariant: 'off', variants: { on: true, off: false } });

const P = uniquePrefix('cli-guard');
const NS = P.slice(1, -1);
const F = uniquePrefix('cli-guard-flags');
let dir: string;
let apps: { close(): Promise<void> }[] = [];
let rollbackId: string;

/** Everything under the prefixes (keys and release records), read from etcd itself. */
const stored = async (...prefixes: string[]) =>
  Object.fromEntries(await Promise.all(prefixes.map(async (p) => [p, await etcd.getAll().prefix(p).strings()] as const)));
const everything = () => stored(P, F, `/dials/releases/${NS}/`, `/dials/releases/${F.slice(1, -1)}/`);

async function startApp(prefix: string, app: string, schema: Record<string, z.ZodType>): Promise<void> {
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix, app, schema });
  apps.push(dials);
  await dials.ready();
  await vi.waitFor(async () => expect(await etcd.get(`/dials/schemas/${prefix.slice(1, -1)}/${app}`).string()).not.toBeNull());
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dials-guard-'));
  await etcd.put(`${P}port`).value('800');
  await etcd.put(`${P}host`).value('db');
  // Two releases of `level`, before any schema: rolling back the second would write "loud" back.
  expect((await dials('set', `${P}level`, 'loud', '--string', '--namespace', NS)).code).toBe(0);
  rollbackId = (await json('set', `${P}level`, 'info', '--string', '--namespace', NS)).data.release.id;
  await etcd.put(`${F}checkout`).value(flag('ENABLED'));
  await startApp(P, 'shop', { port: z.coerce.number().int().max(1000), host: z.string(), level: z.enum(['info', 'debug']) });
  // An app that reads a flag document as config (createFlags registers no schema of its own).
  await startApp(F, 'gatekeeper', { checkout: z.looseObject({ state: z.literal('ENABLED') }) });
}, 60_000);
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
  etcd.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("every CLI write path is refused by a registered app's schema, and etcd is unchanged", () => {
  const refusedBy = async (key: string, app: string, ...args: string[]) => {
    const before = await everything();
    const run = await dials(...args);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(key);
    expect(run.stderr).toContain(`refused by ${app}`);
    expect(await everything()).toEqual(before);
    return run;
  };

  it('rm of a key the schema requires', async () => {
    const run = await refusedBy(`${P}host`, 'shop', 'rm', `${P}host`);
    expect(run.stderr).toContain('required');
  });

  it('rm -r of the prefix (every key, the required ones among them)', async () => {
    await refusedBy(`${P}host`, 'shop', 'rm', '-r', P, '--yes');
  });

  it('import --apply', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"port": 5000, "host": "db2"}');
    await refusedBy(`${P}port`, 'shop', 'import', file, '--prefix', P, '--apply');
  });

  it('sync --apply (and sync --delete, which would delete a required key)', async () => {
    const from = uniquePrefix('cli-guard-from');
    await etcd.put(`${from}port`).value('5000');
    await refusedBy(`${P}port`, 'shop', 'sync', from, P, '--apply');
    await etcd.put(`${from}port`).value('900');
    await refusedBy(`${P}host`, 'shop', 'sync', from, P, '--apply', '--delete');
  });

  it('a flags write, where an app registered a schema over the flags prefix', async () => {
    await refusedBy(`${F}checkout`, 'gatekeeper', 'flags', 'disable', 'checkout', '--prefix', F);
  });

  it('rollback of a release whose "before" the schema refuses', async () => {
    await refusedBy(`${P}level`, 'shop', 'rollback', rollbackId, '--namespace', NS, '--yes');
  });

  it('a namespace deeper than four segments is checked too', async () => {
    const deep = `${P}a/b/c/d/`; // six segments: the check used to stop at four
    const schema = describeSchema('deep-app', deep.slice(1, -1), { port: z.coerce.number().max(1000) });
    await etcd.put(`/dials/schemas/${schema.namespace}/deep-app`).value(JSON.stringify(schema));
    await etcd.put(`${deep}port`).value('1');
    const before = await stored(deep);
    const run = await dials('set', `${deep}port`, '5000', '--namespace', NS);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${deep}port = "5000" refused by deep-app`);
    expect(await stored(deep)).toEqual(before);
  });
});

describe('a writer who may not read the schemas is told so', () => {
  const PW = { blind: 'blind-pw', careful: 'pa:ss:word' } as const;
  const releases = ['/dials/releases/config/team/dev/', '/dials/in-progress/config/team/dev'];
  let server: EtcdServer;
  let root: Etcd3;
  beforeAll(async () => {
    ({ server, root } = await startEtcdWithUsers({
      blind: { password: PW.blind, write: ['/config/team/dev/', ...releases] },
      careful: { password: PW.careful, write: ['/config/team/dev/', ...releases], read: ['/dials/schemas/config/team/dev/'] },
    }));
    const schema = describeSchema('shop', 'config/team/dev', { port: z.coerce.number().int().max(1000) });
    await root.put('/dials/schemas/config/team/dev/shop').value(JSON.stringify(schema));
    await root.put('/config/team/dev/port').value('800');
  }, 60_000);
  afterAll(async () => {
    root?.close();
    await server?.destroy();
  });
  const as = (user: keyof typeof PW, ...args: string[]) =>
    runDials(server.endpoint, [...args, '--user', `${user}:${PW[user]}`], { DIALS_AUTHOR: undefined });

  it('the write goes through, with a warning naming the schemas to grant, and the release records it', async () => {
    const run = await as('blind', 'set', '/config/team/dev/port', '5000', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "warning: not checked against the apps' schemas: this etcd user may not read /dials/schemas/config/team/dev/",
    );
    expect(JSON.parse(run.stdout).release).toMatchObject({ author: 'blind', unchecked: ['config/team/dev'] });
    expect(await root.get('/config/team/dev/port').string()).toBe('5000');
    expect((await as('blind', 'history', '/config/team/dev/')).stdout).toMatch(/\[unchecked\]/);
  });

  it('a writer granted the namespace\'s schemas (a password with ":" in --user) is checked, with no warning', async () => {
    const refused = await as('careful', 'set', '/config/team/dev/port', '7000');
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('/config/team/dev/port = "7000" refused by shop');
    expect(await root.get('/config/team/dev/port').string()).toBe('5000');
    const good = await as('careful', 'set', '/config/team/dev/port', '900');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toBe(''); // `config` and `config/team` above the release's namespace are not granted: no warning
    expect(await root.get('/config/team/dev/port').string()).toBe('900');
  });
});
