import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsole, type DialsConsole } from '@dials/console';
import { createDials, type Dials, etcdSource } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import express from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { EtcdServer } from '../helpers/etcd.js';
import { rawClient } from '../helpers/keys.js';
import { QUICK, REPS, record, save } from './measure.js';

// The console UI in headless Chromium against a console on its own etcd: the first load of a big
// namespace, a save reaching every subscribed instance, and a change made elsewhere showing.
const GROUP = 'console UI (headless Chromium)';
const KEYS = QUICK ? 200 : 10_000;
const INSTANCES = QUICK ? 5 : 100;
const big = '/config/bench/production/';
const live = '/config/bench/live/';

let server: EtcdServer;
let etcd: Etcd3;
let dialsConsole: DialsConsole;
let http: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  server = await EtcdServer.start();
  etcd = rawClient(server.endpoint);
  // 100 folders of 100 keys (2 for --quick): a namespace that loads a level at a time.
  for (let start = 0; start < KEYS; start += 100) {
    const puts = Array.from({ length: 100 }, (_, j) => {
      const i = start + j;
      return etcd.put(`${big}svc-${String(Math.floor(i / 100)).padStart(3, '0')}/key-${String(i).padStart(5, '0')}`).value(`{"n":${i}}`);
    });
    await etcd
      .if(`${big}none`, 'Version', '==', 0)
      .then(...puts)
      .commit();
  }
  await etcd.put(`${live}rollout/percent`).value('0');
  dialsConsole = await createConsole({ etcd: { endpoints: server.endpoint } });
  const app = express();
  app.use('/console', dialsConsole.router);
  http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/console`;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  save('console');
  await browser?.close();
  http?.close();
  await dialsConsole?.close();
  etcd?.close();
  await server?.destroy();
});

it(`first load of the config view on ${KEYS} keys: time to the tree's first paint`, async () => {
  const times: number[] = [];
  const WARM = QUICK ? 0 : 1;
  for (let r = 0; r < REPS + WARM; r++) {
    // A new context each time: no cache, no cookie, as a first visit.
    const context = await browser.newContext();
    const page = await context.newPage();
    // Timed in the page, from the navigation's start to the frame after the first folder of the
    // namespace appears (a bench-only observer, injected outside the page's CSP).
    await page.addInitScript(`
      const seen = new MutationObserver(() => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent.startsWith('svc-000/'));
        if (!button) return;
        seen.disconnect();
        requestAnimationFrame(() => { window.treePainted = performance.now(); });
      });
      seen.observe(document, { childList: true, subtree: true });
    `);
    await page.goto(`${url}/config/${big.slice(1)}`);
    // Only the observer's flag is polled: Playwright's role queries compute accessible names of
    // every button in the page, work that would compete with the page's own while it loads.
    const painted = await page.waitForFunction(() => (globalThis as { treePainted?: number }).treePainted, undefined, { polling: 50 });
    if (r >= WARM) times.push((await painted.jsonValue()) as number); // a first run warms Chromium itself up
    await context.close();
  }
  const figure = record(
    GROUP,
    `first load, the tree painted (${KEYS} keys in the namespace)`,
    'ms',
    times,
    'in the page, from navigation start; fresh context: no cache, no cookie',
  );
  console.log(
    `console: first load ${figure.median.toFixed(0)} ms (median of ${times.length}: ${times.map((t) => t.toFixed(0)).join(', ')})`,
  );
  expect(figure.median).toBeGreaterThan(0);
}, 120_000);

it(`a save in the UI reaching ${INSTANCES} subscribed instances, and a change made elsewhere showing`, async () => {
  const instances: Dials[] = [];
  let expected = '';
  let waiting = new Set<number>();
  let allSeen: () => void = () => {};
  for (let i = 0; i < INSTANCES; i++) {
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix: live, report: false });
    dials.value$('rollout/percent').subscribe((value) => {
      if (String(value) === expected && waiting.delete(i) && waiting.size === 0) allSeen();
    });
    instances.push(dials);
  }
  await Promise.all(instances.map((d) => d.ready()));

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/config/${live.slice(1)}rollout/percent`);
  await page.getByRole('status', { name: 'Live updates' }).getByText('Live').waitFor();
  const saves: number[] = [];
  const shows: number[] = [];
  const WARM = QUICK ? 0 : 1;
  for (let r = 0; r < REPS + WARM; r++) {
    expected = String(10 + r);
    waiting = new Set(instances.map((_, i) => i));
    const seen = new Promise<void>((resolve) => {
      allSeen = resolve;
    });
    await page.getByLabel('New value').fill(expected);
    const start = performance.now();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await seen;
    if (r >= WARM) saves.push(performance.now() - start);
    await page.getByRole('status', { name: 'Saved' }).waitFor();

    // etcd put by another process → the open key view shows it (SSE, then a fetch of the key).
    const other = `"elsewhere-${r}"`;
    const put = performance.now();
    await etcd.put(`${live}rollout/percent`).value(other);
    await page.getByRole('region', { name: 'Value' }).getByText(other, { exact: true }).waitFor();
    if (r >= WARM) shows.push(performance.now() - put);
  }
  await context.close();
  await Promise.all(instances.map((d) => d.close()));
  const save = record(GROUP, `save → the last of ${INSTANCES} subscribed instances sees it`, 'ms', saves, 'from the click on Save');
  const show = record(GROUP, 'etcd put elsewhere → the open key view shows it', 'ms', shows, 'SSE event, then the key read again');
  console.log(`console: save → ${INSTANCES} instances ${save.median.toFixed(0)} ms; put elsewhere → shown ${show.median.toFixed(0)} ms`);
  expect(save.median).toBeGreaterThan(0);
}, 300_000);
