import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsole, type DialsConsole } from '@dials/console';
import { createDials, type Dials, etcdSource, policyKey, type Source } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { launchBrowser, screenshot, watchedPage } from '../helpers/browser.js';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';
import { until } from '../helpers/events.js';

// Safe delivery in the console, in headless Chromium, on an etcd with auth: production requires one
// approval; ana and ben may write, vera only read; the shop's instances run as their own user.
const production = 'config/shop/production';
const staging = 'config/shop/staging';
const port = `/${production}/database/port`;
const password = { ana: 'ana-pass', ben: 'ben-pass', vera: 'vera-pass', shop: 'shop-pass' };

let etcd: EtcdServer;
let root: Etcd3;
let dialsConsole: DialsConsole;
let http: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  ({ server: etcd, root } = await startEtcdWithUsers({
    ana: { password: password.ana, write: ['/config/', '/dials/'] },
    ben: { password: password.ben, write: ['/config/', '/dials/'] },
    vera: { password: password.vera, read: ['/config/', '/dials/'] },
    shop: { password: password.shop, read: ['/config/', '/dials/gray/'], write: ['/dials/instances/', '/dials/schemas/'] },
  }));
  await root.put(port).value('5432');
  await root.put(`/${staging}/pool`).value('10');
  await root.put(policyKey(production)).value(JSON.stringify({ requireApproval: 1 }));
  dialsConsole = await createConsole({ etcd: { endpoints: etcd.endpoint } });
  const app = express();
  app.use('/console', dialsConsole.router);
  http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/console`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  http?.closeAllConnections();
  http?.close();
  await dialsConsole?.close();
  root?.close();
  await etcd?.destroy();
});

/** A page of its own (its own cookies), logged in as `user`, on `next`. */
async function logIn(user: keyof typeof password, next: string) {
  const watched = await watchedPage(browser);
  const { page } = watched;
  await page.goto(`${url}/${next}`);
  await page.getByRole('heading', { name: 'Log in to Dials' }).waitFor();
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password[user]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return watched;
}

const status = (page: Page) => page.getByRole('definition').first();

describe('change requests in the console', () => {
  it('ana saves a key that needs approval: a change request; she cannot approve it, ben does, she applies it', async () => {
    const ana = await logIn('ana', `config${port}`);
    // The editor says before the save that it will be a proposal, naming the policy.
    await ana.page.getByLabel('Review required').getByText(`Writes here need 1 approval (/dials/policy/`).waitFor();
    await ana.page.getByLabel('New value').fill('6543');
    await ana.page.getByLabel('Message').fill('bigger port');
    await ana.page.getByRole('button', { name: 'Save', exact: true }).click();
    await ana.page.waitForURL(new RegExp(`/console/changes/${production}/[0-9]+$`));
    const id = ana.page.url().split('/').pop() as string;
    const request = ana.page.getByRole('article', { name: `Change request ${id}` });
    await request.getByRole('table', { name: 'Changes' }).getByText('6543').waitFor();
    expect(await status(ana.page).textContent()).toBe('open');
    expect(await request.getByRole('button', { name: 'Apply' }).count()).toBe(0);
    expect(await request.getByRole('button', { name: 'Approve' }).count()).toBe(0); // her own request
    expect(await root.get(port).string()).toBe('5432');

    const vera = await logIn('vera', `changes/${production}/${id}`);
    await vera.page.getByRole('table', { name: 'Changes' }).getByText('6543').waitFor();
    expect(await vera.page.getByRole('button', { name: 'Approve' }).count()).toBe(0); // may only read
    expect(await vera.page.getByRole('button', { name: 'Reject' }).count()).toBe(0);

    const ben = await logIn('ben', `changes/${production}`);
    await ben.page.getByRole('table', { name: 'Change requests' }).getByRole('link', { name: id }).click();
    await ben.page.getByLabel('Comment').fill('looks right');
    await ben.page.getByRole('button', { name: 'Approve' }).click();
    await ben.page
      .getByRole('region', { name: 'Reviews' })
      .getByText(/ben approved .*: looks right/)
      .waitFor();
    expect(await status(ben.page).textContent()).toBe('approved');
    await screenshot(ben.page, 'change-request');

    // ana's page follows the request live: the Apply button comes without a reload.
    await request.getByRole('button', { name: 'Apply' }).click();
    await ana.page.getByRole('status', { name: 'Applied' }).waitFor();
    expect(await root.get(port).string()).toBe('6543');
    await ana.page
      .getByRole('region', { name: 'History' })
      .getByText(/ana applied: release .* approved by ben/)
      .waitFor();
    const releaseId = (await ana.page.getByRole('status', { name: 'Applied' }).textContent())?.match(/release (\d+)/)?.[1];
    const record = JSON.parse((await root.get(`/dials/releases/${production}/${releaseId}`).string()) as string);
    expect(record).toMatchObject({ author: 'ana', changeRequest: id, approvers: ['ben'], message: `change request ${id}: bigger port` });
    for (const w of [ana, vera, ben]) expect(w.incidents).toEqual([]);
  });

  it('ana drafts a request from the form, schedules it for tomorrow 09:00 and takes it off the schedule', async () => {
    const ana = await logIn('ana', `changes/${production}`);
    const form = ana.page.getByRole('region', { name: 'New change request' });
    await form.getByLabel('Title').fill('feature on');
    await form.getByLabel('Key 1').fill(`/${production}/feature`);
    await form.getByLabel('Value 1').fill('"on"');
    await form.getByRole('button', { name: 'Draft change request' }).click();
    await ana.page.waitForURL(new RegExp(`/console/changes/${production}/[0-9]+$`));
    const id = ana.page.url().split('/').pop() as string;
    const record = async () => JSON.parse((await root.get(`/dials/changes/${production}/${id}`).string()) as string);
    expect(await record()).toMatchObject({
      title: 'feature on',
      author: 'ana',
      changes: [{ key: `/${production}/feature`, after: '"on"' }],
    });

    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await ana.page.getByLabel('Apply at').fill(`${day}T09:00`); // the page's time zone is UTC
    await ana.page.getByRole('button', { name: 'Schedule' }).click();
    await ana.page.getByRole('region', { name: 'History' }).getByText(`ana scheduled: to be applied at ${day}T09:00:00.000Z`).waitFor();
    expect((await record()).schedule).toEqual({ at: `${day}T09:00:00.000Z`, by: 'ana' });
    await ana.page.getByRole('button', { name: 'Unschedule' }).click();
    await ana.page
      .getByRole('region', { name: 'History' })
      .getByText(/ana unscheduled/)
      .waitFor();
    expect((await record()).schedule).toBeUndefined();
    expect(await root.get(`/${production}/feature`).string()).toBeNull();
    expect(ana.incidents).toEqual([]);
  });
});

describe('gray releases in the console', () => {
  const schema = { pool: z.coerce.number() };
  let shop: Source;
  let canary: Dials<typeof schema>;
  let stable: Dials<typeof schema>;
  afterAll(async () => {
    await Promise.all([canary?.close(), stable?.close()]);
    await shop?.close();
  });

  it('ana starts one for canary=true: only the canary applies it, the page says who is on it; promote gives it to all', async () => {
    shop = etcdSource({ endpoints: etcd.endpoint, auth: { username: 'shop', password: password.shop } });
    const instance = (id: string, labels: Record<string, string>) =>
      createDials({ source: shop, prefix: `/${staging}/`, app: 'shop', instanceId: id, labels, schema, reportTtlMs: 2000 });
    canary = instance('canary-1', { canary: 'true' });
    stable = instance('stable-1', { canary: 'false' });
    await Promise.all([canary.ready(), stable.ready()]);

    const ana = await logIn('ana', `gray/${staging}`);
    const form = ana.page.getByRole('region', { name: 'New gray release' });
    await form.getByLabel('Key 1').fill(`/${staging}/pool`);
    await form.getByLabel('Value 1').fill('20');
    // Two keys in one gray release: the second is a key only the canary will have.
    await form.getByRole('button', { name: 'Add a key' }).click();
    await form.getByLabel('Key 2').fill(`/${staging}/canary-note`);
    await form.getByLabel('Value 2').fill('"trying 20"');
    await form.getByLabel('Labels').fill('canary=true');
    await form.getByLabel('Message').fill('pool 20 on the canary');
    await form.getByRole('button', { name: 'Start gray release' }).click();
    await ana.page.waitForURL(new RegExp(`/console/gray/${staging}/g-[0-9a-f]+$`));
    const id = ana.page.url().split('/').pop() as string;
    await until(canary.value$('pool'), (v) => v === 20);
    expect(canary.get('canary-note')).toBe('trying 20');
    expect(stable.get('pool')).toBe(10);
    expect(stable.get('canary-note')).toBeUndefined();
    // The canary's report names the release: the page, live on the reports, lists it.
    const on = ana.page.getByRole('region', { name: 'Instances on it' });
    await on.getByText('canary-1').waitFor();
    expect(await on.getByText('stable-1').count()).toBe(0);
    await screenshot(ana.page, 'gray');
    const vera = await logIn('vera', `gray/${staging}/${id}`);
    await vera.page.getByRole('region', { name: 'Instances on it' }).getByText('canary-1').waitFor();
    expect(await vera.page.getByRole('button', { name: 'Promote' }).count()).toBe(0); // may only read
    expect(await vera.page.getByRole('button', { name: 'Abandon' }).count()).toBe(0);
    expect(vera.incidents).toEqual([]);

    await ana.page.getByRole('button', { name: 'Promote' }).click();
    await ana.page
      .getByRole('status', { name: 'Ended' })
      .getByText(/^Promoted: release/)
      .waitFor();
    await until(stable.value$('pool'), (v) => v === 20);
    expect(canary.get('pool')).toBe(20);
    expect(await root.get(`/${staging}/pool`).string()).toBe('20');
    expect(await root.getAll().prefix(`/dials/gray/${staging}/${id}`).keys()).toEqual([]);
    expect(ana.incidents).toEqual([]);
  });
});
