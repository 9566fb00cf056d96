import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject, it } from 'vitest';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { serveConsole } from './console-mount.js';
import { capabilities } from './core-capabilities.js';
import { fromFile } from './core-file.js';
import { layers } from './core-layers.js';
import { quickstart } from './core-quickstart.js';
import { grayFlow } from './gray-flow.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('the quick start works against etcd', async () => {
  const endpoint = inject('etcdEndpoint');
  const prefix = uniquePrefix('example');
  const etcd = rawClient(endpoint);
  await etcd.put(`${prefix}database/host`).value('localhost');
  await etcd.put(`${prefix}database/port`).value('5432');
  const { dials, port, host, reconnects } = await quickstart(endpoint, prefix);
  expect(port).toBe(5432);
  expect(host).toBe('localhost');
  expect(dials.get('logging/level')).toBe('info');
  reconnects.unsubscribe();
  await dials.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});

it('the layers example gives what its comments say', async () => {
  expect(await layers()).toEqual({ pool: 50, fallback: 10 });
});

it('the README example runs against etcd', async () => {
  const endpoint = inject('etcdEndpoint');
  const base = uniquePrefix('readme');
  const etcd = rawClient(endpoint);
  await etcd.put(`${base}x`).value('1'); // not under the README's prefixes: they are its own
  await etcd.put('/config/shop/production/database/host').value('db.internal');
  await etcd.put('/config/shop/production/database/port').value('5432');
  const saved = process.env.ETCD_ENDPOINTS;
  process.env.ETCD_ENDPOINTS = endpoint;
  const { dials } = await import('./readme.js');
  if (saved === undefined) delete process.env.ETCD_ENDPOINTS;
  else process.env.ETCD_ENDPOINTS = saved;
  expect(dials.status).toBe('ready');
  expect(dials.get('logging/level')).toBe('info');
  expect(dials.get('database/port')).toBe(5432);
  await dials.close();
  rmSync('.dials', { recursive: true, force: true });
  await etcd.delete().prefix('/config/shop/production/database/');
  await etcd.delete().prefix(base);
  etcd.close();
});

it('the gray release example (docs/delivery-gray.md) gives what its comments say', async () => {
  const { id, step, pools, listed, on, promoted } = await grayFlow();
  expect(id).toMatch(/^g-[0-9a-f]{8}$/);
  expect(step).toEqual({ index: 0, percent: 50 });
  expect(pools).toEqual([20, 10]);
  expect(listed).toEqual([id]);
  expect(on ?? []).not.toContain('shop-1');
  expect(promoted).toEqual([20, 20]);
});

it('the capabilities example gives what its comment says', async () => {
  const { token, status } = await capabilities();
  expect(token).toBeGreaterThan(0);
  expect(status).toBe('UNSUPPORTED');
});

it('the file example gives what its comments say', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dials-example-'));
  const file = join(dir, 'dials.yaml');
  writeFileSync(file, 'database:\n  host: localhost\n  port: 5432\n');
  const dials = await fromFile(file);
  expect(dials.get('database/port')).toBe(5432);
  await dials.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the console example serves the page and the API', async () => {
  const served = await serveConsole(inject('etcdEndpoint'), 0);
  try {
    const page = await fetch(`${served.url}config/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<title>Dials console</title>');
    expect(await (await fetch(`${served.url}api/session`)).json()).toMatchObject({
      authEnabled: false,
      loginRequired: false,
      writable: true,
    });
  } finally {
    await served.close();
  }
});

it('every example in docs/ is a copy of its tested file', () => {
  const docs = JSON.parse(readFileSync(join(root, 'test/examples/docs-with-examples.json'), 'utf8')) as string[];
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), 'utf8');
    const blocks = [...text.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThan(0);
    // `npm run docs:sync` copies them again after an example changes.
    for (const [, file, code] of blocks) expect(code, `${doc}: ${file}`).toBe(readFileSync(join(root, file as string), 'utf8'));
  }
});
