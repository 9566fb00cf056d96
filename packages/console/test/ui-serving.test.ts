import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { memorySource } from '@dials/core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsole, type DialsConsole } from '../src/index.js';

// The built UI (npm run build puts it in dist/ui), as createConsole serves it.
const dist = fileURLToPath(new URL('../dist/ui/', import.meta.url));
let server: Server | undefined;
let dialsConsole: DialsConsole | undefined;
afterEach(async () => {
  await dialsConsole?.close();
  server?.close();
});

async function serve(basePath?: string): Promise<string> {
  dialsConsole = await createConsole({ source: memorySource(), ...(basePath ? { basePath } : {}) });
  const app = express();
  app.use(basePath ?? '/console', dialsConsole.router);
  const http = createServer(app);
  server = http;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}${basePath ?? '/console'}`;
}

describe('the built UI', () => {
  it('has no inline script or style: every script and stylesheet is a file of its own', () => {
    const html = readFileSync(`${dist}index.html`, 'utf8');
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).every((tag) => /\ssrc="/.test(tag))).toBe(true);
    expect(html).not.toMatch(/<style|\sstyle=|\son\w+=/i);
    const scripts = readdirSync(`${dist}assets`).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
  });

  it('answers every view path with the page (not cached), assets with a long cache, a missing asset with 404', async () => {
    const base = await serve();
    const page = await fetch(`${base}/flags/flags/shop/dev/new-checkout`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("style-src 'self'");
    const html = await page.text();
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect(asset).toBeDefined();
    const script = await fetch(`${base}${asset.slice('/console'.length)}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  });

  it('moves the page to another base path: its assets and the base it routes under', async () => {
    const base = await serve('/admin/dials');
    const html = await (await fetch(`${base}/config/`)).text();
    expect(html).toContain('<meta name="dials-base" content="/admin/dials/" />');
    expect(html).not.toContain('"/console/');
    const asset = /src="\/admin\/dials(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect((await fetch(`${base}${asset}`)).status).toBe(200);
  });

  it("opens the session with the page and preloads a deep link's reads: the session and each tree level on its way", async () => {
    dialsConsole = await createConsole({
      source: memorySource({ initial: { '/config/shop/dev/db/host': 'x' } }),
      configRoots: ['/config/'],
    });
    const app = express();
    app.use('/console', dialsConsole.router);
    const http = createServer(app);
    server = http;
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/console`;
    const page = await fetch(`${base}/config/config/shop/dev/db/host`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^dials_session=/);
    const preloads = [...(await page.text()).matchAll(/<link rel="preload" href="([^"]+)" as="fetch" crossorigin \/>/g)].map((m) => m[1]);
    const tree = (prefix: string) => `/console/api/tree?prefix=${encodeURIComponent(prefix)}`;
    expect(preloads).toEqual([
      '/console/api/session',
      ...['/config/', '/config/shop/', '/config/shop/dev/', '/config/shop/dev/db/'].map(tree),
    ]);
    // What the page asks for with the cookie the page set: that session, and the levels.
    const session = await fetch(`${base}/api/session`, { headers: { cookie } });
    expect(session.headers.get('set-cookie')).toBeNull();
    const level = await fetch(`http://${new URL(base).host}${tree('/config/shop/dev/db/')}`, { headers: { cookie } });
    expect(((await level.json()) as { children: unknown[] }).children).toEqual([
      { name: 'host', path: '/config/shop/dev/db/host', kind: 'key' },
    ]);
    // Elsewhere, only the session.
    const flags = await (await fetch(`${base}/flags`, { headers: { cookie } })).text();
    expect([...flags.matchAll(/rel="preload"/g)]).toHaveLength(1);
  });
});
