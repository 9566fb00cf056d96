import { hashKey } from '@dials/console';
import { Etcd3 } from 'etcd3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage } from '../helpers/browser.js';
import { type DemoProcess, startDemo, until } from '../helpers/demo.js';
import { EtcdServer } from '../helpers/etcd.js';

// Logging in with etcd users: an etcd of this file's own with auth on. ana's role may read and
// write the shop's config, ben's may only read it; the demo runs as its own user.
const production = '/config/shop/production/';
const flagsPrefix = '/flags/shop/production/';
const password = { root: 'root-secret', ana: 'ana-secret', ben: 'ben-secret', shop: 'shop-secret' };

let server: EtcdServer;
let root: Etcd3;
let demo: DemoProcess;
let browser: Browser;

async function withAuth(endpoint: string): Promise<Etcd3> {
  const client = new Etcd3({ hosts: endpoint });
  await client.user('root').create(password.root);
  await client.role('root').create();
  await client.user('root').addRole('root');
  for (const [role, permission] of [
    ['editor', 'Readwrite'],
    ['viewer', 'Read'],
  ] as const) {
    await client.role(role).create();
    for (const prefix of ['/config/', '/flags/', '/dials/']) await client.role(role).grant({ permission, range: client.range({ prefix }) });
  }
  // The demo also registers itself under /services/ (@dials/discovery).
  await client.role('service').create();
  await client.role('service').grant({ permission: 'Readwrite', range: client.range({ prefix: '/services/' }) });
  for (const [user, roles] of [
    ['ana', ['editor']],
    ['ben', ['viewer']],
    ['shop', ['editor', 'service']],
  ] as const) {
    await client.user(user).create(password[user]);
    for (const role of roles) await client.user(user).addRole(role);
  }
  await client.auth.authEnable();
  client.close();
  return new Etcd3({ hosts: endpoint, auth: { username: 'root', password: password.root } });
}

beforeAll(async () => {
  server = await EtcdServer.start();
  root = await withAuth(server.endpoint);
  demo = await startDemo({
    ETCD_ENDPOINTS: server.endpoint,
    DIALS_USER: 'shop',
    DIALS_PASSWORD: password.shop,
    DIALS_CONFIG_PREFIX: production,
    DIALS_FLAGS_PREFIX: flagsPrefix,
    DIALS_APP: 'shop',
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  root?.close();
  await server?.destroy();
});

/** Log in on the login page the console sends a new visitor to. */
async function logIn(page: Page, user: keyof typeof password, next: string): Promise<void> {
  await page.goto(`${demo.url}/console/${next}`);
  await page.getByRole('heading', { name: 'Log in to Dials' }).waitFor();
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password[user]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

describe('logging in with etcd users', () => {
  let ana: Page;

  it('sends a visitor to the login page, refuses a wrong password, and brings ana back where she was going', async () => {
    const watched = await watchedPage(browser);
    ana = watched.page;
    const target = `config/${production.slice(1)}database/port`;
    await ana.goto(`${demo.url}/console/${target}`);
    await ana.waitForURL(/\/console\/login\?next=/);
    await ana.getByLabel('User name').fill('ana');
    await ana.getByLabel('Password').fill('wrong');
    await ana.getByRole('button', { name: 'Log in' }).click();
    await ana.getByRole('alert', { name: 'Login failed' }).getByText('etcd refused that user name or password').waitFor();
    await screenshot(ana, 'login');
    await ana.getByLabel('Password').fill(password.ana);
    await ana.getByRole('button', { name: 'Log in' }).click();
    await ana.waitForURL(`${demo.url}/console/${target}`);
    await ana.getByRole('region', { name: 'Value' }).getByText('5432').waitFor();
    expect(await ana.getByRole('banner').textContent()).toContain('ana');
    expect(await ana.getByRole('note').count()).toBe(0); // auth is on, and ana may write
    expect(watched.incidents).toEqual([]);
  });

  it("records ana's write under her name", async () => {
    await ana.getByLabel('New value').fill('5433');
    await ana.getByLabel('Message').fill('ana moves the port');
    await ana.getByRole('button', { name: 'Save', exact: true }).click();
    await ana
      .getByRole('region', { name: 'History' })
      .getByText(/by ana: ana moves the port/)
      .waitFor();
    expect(await root.get(`${production}database/port`).string()).toBe('5433');
  });

  it('makes an OFREP key on the real server: shown once, copied, listed by label, working, stored only as its hash, revoked', async () => {
    await ana.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await ana.goto(`${demo.url}/console/ofrep-keys/flags/shop/production`);
    await ana.getByRole('table', { name: 'API keys' }).getByText('No keys').waitFor();
    await ana.getByLabel('Label').fill('checkout service');
    await ana.getByRole('button', { name: 'Create key' }).click();
    const shown = ana.getByRole('region', { name: 'New key' });
    const made = ((await shown.locator('code').textContent()) ?? '').trim();
    expect(made).toMatch(/^dk_[\w-]+\.[\w-]{20,}$/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await ana.evaluate('navigator.clipboard.readText()')).toBe(made);
    const row = ana.getByRole('table', { name: 'API keys' }).getByRole('row').filter({ hasText: 'checkout service' });
    await row.getByText('ana', { exact: true }).waitFor(); // made by ana, her etcd user
    await screenshot(ana, 'ofrep-keys');

    // etcd holds the key's hash and label, never the key nor its secret part.
    const stored = await root.getAll().prefix('/dials/ofrep-keys/').strings();
    expect(Object.keys(stored)).toEqual([`/dials/ofrep-keys/flags/shop/production/${hashKey(made)}`]);
    const secret = made.split('.')[1] as string;
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.parse(Object.values(stored)[0] as string)).toMatchObject({ label: 'checkout service', createdBy: 'ana' });

    // The demo's OFREP takes the key, and refuses it once revoked.
    const evaluate = () =>
      fetch(`${demo.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { 'x-api-key': made }, body: '{"context":{}}' });
    await until(async () => (await evaluate()).status === 200, 'OFREP taking the new key');
    await shown.getByRole('button', { name: 'Done' }).click();
    expect(await ana.getByText(made).count()).toBe(0); // shown once
    await ana.getByRole('button', { name: 'Revoke checkout service' }).click();
    await ana.getByRole('table', { name: 'API keys' }).getByText('No keys').waitFor();
    expect(await root.getAll().prefix('/dials/ofrep-keys/').keys()).toEqual([]);
    await until(async () => (await evaluate()).status === 401, 'OFREP refusing the revoked key');
  });

  it('gives ben, whose role may only read, no edit controls, and the API answers his write with 403', async () => {
    const watched = await watchedPage(browser);
    const ben = watched.page;
    await logIn(ben, 'ben', `config/${production.slice(1)}database/port`);
    await ben.getByRole('note', { name: 'Read-only' }).getByText('the etcd roles of ben may read here but not write').waitFor();
    await ben.getByRole('region', { name: 'Value' }).getByText('5433').waitFor();
    await ben
      .getByRole('region', { name: 'History' })
      .getByText(/by ana/)
      .waitFor();
    expect(await ben.getByLabel('New value').count()).toBe(0);
    expect(await ben.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    await ben.goto(`${demo.url}/console/flags/${flagsPrefix.slice(1)}`);
    expect(await ben.getByRole('switch', { name: 'new-checkout enabled' }).isDisabled()).toBe(true);
    await ben.goto(`${demo.url}/console/releases/${production.slice(1, -1)}`);
    await ben.getByRole('list', { name: 'Releases' }).getByText('ana moves the port').waitFor();
    expect(await ben.getByRole('button', { name: 'Roll back' }).count()).toBe(0);
    await screenshot(ben, 'read-only');

    // The controls are gone, and etcd refuses the write anyway: with ben's own session and CSRF token.
    const answer = await ben.evaluate(async (key) => {
      const session = (await (await fetch('/console/api/session')).json()) as { csrfToken: string };
      const res = await fetch('/console/api/key', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ key, value: '1' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    }, `${production}database/port`);
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'PERMISSION_DENIED' } } });
    expect(await root.get(`${production}database/port`).string()).toBe('5433');
    expect(watched.incidents).toEqual([]);
  });

  it('logs out: the session ends and the next visit asks to log in again', async () => {
    await ana.goto(`${demo.url}/console/config/${production.slice(1)}`);
    await ana.getByRole('button', { name: 'Log out' }).click();
    await ana.getByRole('heading', { name: 'Log in to Dials' }).waitFor();
    const status = await ana.evaluate(async () => (await fetch('/console/api/tree?prefix=/config/')).status);
    expect(status).toBe(401);
    await until(async () => (await fetch(`${demo.url}/health`)).ok, 'the demo staying up');
  });
});
