import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, type WatchedPage, watchedPage } from '../helpers/browser.js';
import { type DemoProcess, startDemo, until } from '../helpers/demo.js';
import { findEtcdctl } from '../helpers/etcd.js';
import { rawClient } from '../helpers/keys.js';

// The console as a person uses it: headless Chromium against the demo, started as a process on the
// test etcd (auth off), on prefixes of this file's own.
const id = randomBytes(2).toString('hex');
const production = `/config/shop-${id}/production/`;
const staging = `/config/shop-${id}/staging/`;
const flagsPrefix = `/flags/shop-${id}/production/`;
const namespace = production.slice(1, -1);
const path = (key: string) => key.replace(/^\//, '');

let etcd: Etcd3;
let demo: DemoProcess;
let browser: Browser;
let watched: WatchedPage;
let page: Page;
const endpoint = () => inject('etcdEndpoint');

/** The demo's own answer: what a user of the shop gets. */
const shop = async () => (await (await fetch(`${demo.url}/`)).json()) as { database: string; currency: string };
const newCheckout = () => fetch(`${demo.url}/checkout/new`, { headers: { 'x-user-email': 'ana@example.com' } }).then((r) => r.status);

beforeAll(async () => {
  etcd = rawClient(endpoint());
  demo = await startDemo({
    ETCD_ENDPOINTS: endpoint(),
    DIALS_CONFIG_PREFIX: production,
    DIALS_FLAGS_PREFIX: flagsPrefix,
    DIALS_APP: 'shop',
  });
  // The demo publishes its schema as it starts: the console's edits are checked against it.
  await until(async () => (await etcd.get(`/dials/schemas/${namespace}/shop`).string()) !== null, 'the schema registration');
  browser = await launchBrowser();
  watched = await watchedPage(browser);
  page = watched.page;
  page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  for (const prefix of [production, staging, flagsPrefix, `/dials/releases/${namespace}/`, `/dials/schemas/${namespace}/`])
    await etcd.delete().prefix(prefix);
  etcd?.close();
});

describe('the console in a browser, on the demo on etcd', () => {
  it('opens a key from its URL: the tree loaded level by level, the value, the app that reads it, the banner', async () => {
    await page.goto(`${demo.url}/console/config/${path(production)}database/port`);
    await page
      .getByRole('note', { name: 'No login' })
      .getByText('etcd auth is off: anyone who reaches this console can change everything.')
      .waitFor();
    const tree = page.getByRole('navigation', { name: 'Keys' });
    await tree.getByRole('link', { name: 'host', exact: true }).waitFor();
    expect(await tree.getByRole('button', { name: /^checkout\// }).getAttribute('aria-expanded')).toBe('false');
    const key = page.getByRole('article', { name: 'Key' });
    await key.getByRole('region', { name: 'Value' }).getByText('5432', { exact: true }).waitFor();
    await key.getByRole('region', { name: 'Rules' }).getByRole('cell', { name: 'shop', exact: true }).waitFor();
    // A folder opens on a click, loading its level then.
    const loaded = page.waitForResponse((r) => r.url().includes(`/api/tree?prefix=${encodeURIComponent(`${production}checkout/`)}`));
    await tree.getByRole('button', { name: /^checkout\// }).click();
    await loaded;
    await tree.getByRole('link', { name: 'currency', exact: true }).waitFor();
    await page.getByRole('status', { name: 'Live updates' }).getByText('Live').waitFor();
    await screenshot(page, 'config');
  });

  it('checks the schema while typing, shows the server refusal with the app named, then writes what the demo accepts', async () => {
    await page.goto(`${demo.url}/console/config/${path(production)}database/port`);
    const value = page.getByLabel('New value');
    await value.fill('abc');
    await page.getByRole('list', { name: 'Schema check' }).getByText('shop would refuse it: not a number').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const refusal = page.getByRole('alert', { name: 'Write refused' });
    await refusal.getByRole('listitem').getByText(`${production}database/port refused by shop: not a number`).waitFor();
    await screenshot(page, 'refused');
    expect(await etcd.get(`${production}database/port`).string()).toBe('5432');

    await value.fill('6543');
    await page.getByRole('list', { name: 'Schema check' }).getByText('shop accepts it').waitFor();
    await page.getByLabel('Message').fill('move the database');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status', { name: 'Saved' }).waitFor();
    await page
      .getByRole('region', { name: 'History' })
      .getByText(/move the database/)
      .waitFor();
    await page.getByRole('region', { name: 'History' }).getByRole('cell', { name: '6543', exact: true }).waitFor();
    await until(async () => (await shop()).database.endsWith(':6543'), 'the demo reading the new port');
  });

  it('follows a change made elsewhere (etcdctl) while the key is open', async () => {
    await page.goto(`${demo.url}/console/config/${path(production)}database/host`);
    await page.getByRole('status', { name: 'Live updates' }).getByText('Live').waitFor();
    await page.getByRole('region', { name: 'Value' }).getByText('"localhost"').waitFor();
    const started = Date.now();
    execFileSync(findEtcdctl(), ['--endpoints', endpoint(), 'put', `${production}database/host`, 'db.internal'], {
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    await page.getByRole('region', { name: 'Value' }).getByText('db.internal', { exact: true }).waitFor();
    console.log(`console: a change made with etcdctl showed after ${Date.now() - started} ms (etcdctl's own start included)`);
  });

  it('sets a temporary override with a countdown that runs', async () => {
    await page.goto(`${demo.url}/console/config/${path(production)}logging/level`);
    await page.getByLabel('New value').fill('debug');
    await page.getByLabel('Expires after (seconds)').fill('600');
    await page.getByRole('button', { name: 'Save temporarily' }).click();
    const timer = page.getByRole('timer', { name: 'Time left' });
    await timer.waitFor();
    const first = (await timer.textContent()) ?? '';
    expect(first).toMatch(/^(9|10) min \d\d s$/);
    await page.getByRole('timer', { name: 'Time left' }).filter({ hasNotText: first }).waitFor();
    expect((await etcd.get(`${production}logging/level`).string()) ?? '').toBe('debug');
  });

  it('toggles a flag and the demo answers differently; checks targeting as typed; evaluates for a context', async () => {
    await page.goto(`${demo.url}/console/flags/${path(flagsPrefix)}new-checkout`);
    const toggle = page.getByRole('switch', { name: 'new-checkout enabled' });
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    expect(await newCheckout()).toBe(404);
    await toggle.click();
    await page.waitForSelector('[role="switch"][aria-label="new-checkout enabled"][aria-checked="true"]');
    const ms = await until(async () => (await newCheckout()) === 200, 'the demo serving /checkout/new');
    console.log(`console: the demo served /checkout/new ${ms} ms after the switch showed on`);

    const targeting = page.getByLabel('Targeting (JSON)');
    await targeting.fill('{"if": [true, "on" "off"]}');
    await page
      .getByRole('status', { name: 'Targeting check' })
      .getByText(/\(line 1, column 20\)/)
      .waitFor();
    expect(await page.getByRole('button', { name: 'Save targeting' }).isDisabled()).toBe(true);
    await targeting.fill('{"if": [{"nope": []}, "on", "off"]}');
    await page
      .getByRole('status', { name: 'Targeting check' })
      .getByText(/unknown operator "nope"/)
      .waitFor();

    await page.getByLabel('Context (JSON)').fill('{"targetingKey": "u1", "email": "ana@example.com"}');
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const evaluation = page.getByRole('definition');
    await evaluation.getByText('TARGETING_MATCH').waitFor();
    expect(await evaluation.allTextContents()).toEqual(['true', 'on', 'TARGETING_MATCH']);
    await screenshot(page, 'flags');
  });

  it('promotes chosen keys from staging to production after a preview of exactly what is written', async () => {
    await etcd.put(`${staging}checkout/currency`).value('USD');
    await etcd.put(`${staging}database/host`).value('"db.staging"');
    await etcd.put(`${staging}shop/name`).value('"Staging Shop"');
    await page.goto(`${demo.url}/console/environments?${new URLSearchParams({ from: staging, to: production })}`);
    const table = page.getByRole('table', { name: 'Differences' });
    await table.getByRole('cell', { name: 'checkout/currency', exact: true }).waitFor();
    await page.getByRole('checkbox', { name: 'Choose checkout/currency' }).check();
    await page.getByRole('checkbox', { name: 'Choose shop/name' }).check();
    await page.getByRole('button', { name: 'Preview promotion' }).click();
    const preview = page.getByRole('table', { name: 'What will be written' });
    await preview.waitFor();
    expect(await preview.locator('tbody tr').allInnerTexts()).toEqual([
      `${production}checkout/currency\t"EUR"\t→\tUSD`,
      `${production}shop/name\t"Dials Shop"\t→\t"Staging Shop"`,
    ]);
    await screenshot(page, 'environments');
    expect(await etcd.get(`${production}checkout/currency`).string()).toBe('"EUR"');
    await page.getByRole('button', { name: 'Promote 2 changes' }).click();
    await page.getByRole('status', { name: 'Promoted' }).waitFor();
    expect(await etcd.get(`${production}checkout/currency`).string()).toBe('USD');
    expect(await etcd.get(`${production}database/host`).string()).toBe('db.internal'); // not chosen
    await until(async () => (await shop()).currency === 'USD', 'the demo reading the promoted currency');
  });

  it('rolls the promotion back after confirming its inverse diff', async () => {
    await page.goto(`${demo.url}/console/releases/${namespace}`);
    const newest = page.getByRole('list', { name: 'Releases' }).getByRole('listitem').first();
    await newest.getByText(`promote 2 keys from ${staging} to ${production}`).waitFor();
    await newest.getByRole('button', { name: 'Roll back' }).click();
    const confirm = newest.getByRole('region', { name: 'Confirm rollback' });
    await confirm.waitFor(); // it comes with the server's answer: allInnerTexts() does not wait
    expect(await confirm.getByRole('table', { name: 'Inverse changes' }).locator('tbody tr').allInnerTexts()).toEqual([
      `${production}checkout/currency\tUSD\t→\t"EUR"`,
      `${production}shop/name\t"Staging Shop"\t→\t"Dials Shop"`,
    ]);
    await screenshot(page, 'releases');
    await confirm.getByRole('button', { name: 'Confirm rollback' }).click();
    await page
      .getByRole('list', { name: 'Releases' })
      .getByRole('listitem')
      .first()
      .getByText(/^ \(rollback of \d+\)$/)
      .waitFor();
    expect(await etcd.get(`${production}checkout/currency`).string()).toBe('"EUR"');
    await until(async () => (await shop()).currency === 'EUR', 'the demo reading the rolled-back currency');
  });

  it('renders keys and values holding markup as text: no script runs, no element is made', async () => {
    const script = '<script>alert(1)</script>';
    const img = '"><img src=x onerror=alert(1)>';
    // A key named with markup holding a script, and a key holding markup.
    await etcd.put(`${production}xss/${img}`).value(script);
    await etcd.put(`${production}xss/payload`).value(img);
    await page.goto(`${demo.url}/console/config/${path(production)}xss/`);
    const tree = page.getByRole('navigation', { name: 'Keys' });
    await tree.getByRole('link', { name: img }).click();
    await page.getByRole('heading', { name: `${production}xss/${img}` }).waitFor();
    await page.getByRole('region', { name: 'Value' }).getByText(script, { exact: true }).waitFor();
    expect(await page.getByLabel('New value').inputValue()).toBe(script);
    await tree.getByRole('link', { name: 'payload' }).click();
    await page.getByRole('region', { name: 'Value' }).getByText(img, { exact: true }).waitFor();
    await page.getByLabel('Search keys').fill('<img');
    await page
      .getByRole('list', { name: 'Search results' })
      .getByRole('link', { name: `${production}xss/${img}` })
      .waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(watched.incidents).toEqual([]);
  });

  it("shows the demo's instance with its revision and status, and etcd's members", async () => {
    await page.goto(`${demo.url}/console/fleet/${namespace}`);
    const app = page.getByRole('region', { name: 'App shop' });
    await app.getByRole('cell', { name: 'ready' }).waitFor();
    const cluster = page.getByRole('region', { name: 'Cluster' });
    await cluster.getByRole('cell', { name: 'healthy', exact: true }).waitFor();
    await cluster.getByRole('cell', { name: 'leader', exact: true }).waitFor();
    await screenshot(page, 'fleet');
  });

  it('says etcd auth is off on every view, each opened from its own URL', async () => {
    const views = { config: 'Config', environments: 'Environments', flags: 'Flags', releases: 'Releases', fleet: 'Fleet' };
    for (const [view, title] of Object.entries({ ...views, 'ofrep-keys': 'OFREP keys', 'no-such-view': undefined })) {
      await page.goto(`${demo.url}/console/${view}`);
      if (title) await page.getByRole('navigation', { name: 'Views' }).locator('[aria-current="page"]', { hasText: title }).waitFor();
      else await page.getByRole('heading', { name: 'Not found' }).waitFor();
      expect(await page.getByRole('note', { name: 'No login' }).textContent(), view).toBe(
        'etcd auth is off: anyone who reaches this console can change everything.',
      );
    }
  });

  it('on the demo files: read-only, saying so, with no edit controls', async () => {
    const onFiles = await startDemo({});
    try {
      const files = await watchedPage(browser);
      await files.page.goto(`${onFiles.url}/console/config/database/port`);
      await files.page.getByRole('note', { name: 'Read-only' }).getByText('edit the files; the console follows them').waitFor();
      await files.page.getByRole('region', { name: 'Value' }).getByText('5432').waitFor();
      expect(await files.page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
      await files.page.goto(`${onFiles.url}/console/flags/new-checkout`);
      expect(await files.page.getByRole('switch', { name: 'new-checkout enabled' }).isDisabled()).toBe(true);
      await files.page.goto(`${onFiles.url}/console/fleet`);
      await files.page
        .getByRole('region', { name: 'Cluster' })
        .getByText(/Not available here/)
        .waitFor();
      await files.page.context().close();
    } finally {
      await onFiles.stop();
    }
  });
});
