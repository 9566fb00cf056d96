import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const demoDir = join(root, 'apps/demo');

interface Demo {
  readonly url: string;
  readonly output: () => string;
  readonly process: ChildProcess;
}

let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill('SIGTERM');
  running = undefined;
});

/** Start the built demo as a process, as `npm start` does, and wait for its "listening" line. */
async function startDemo(env: Record<string, string>): Promise<Demo> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(demoDir, 'dist/main.js')], {
    env: { ...process.env, ETCD_ENDPOINTS: '', ...env, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Try: ')) resolve(); // the last line it prints once it listens
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
  });
  await listening;
  return { url: `http://127.0.0.1:${port}`, output: () => output, process: child };
}

/** Poll until `check` passes; returns how long the change took to show. Fails after 10 s. */
async function until(check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the demo did not change within 10 s');
}

/** A sample's value in a Prometheus text exposition (0 when absent). */
const metric = (text: string, sample: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${sample} `))
      ?.slice(sample.length + 1) ?? 0,
  );

const newCheckout = (demo: Demo) =>
  fetch(`${demo.url}/checkout/new`, { headers: { 'x-user-email': 'ana@example.com' } }).then((r) => r.status);
const debugLineShows = async (demo: Demo) => {
  await fetch(`${demo.url}/debug-log`);
  return demo.output().includes('debug line from /debug-log');
};

/** docs/ofrep.md's curl lines against the demo (no key on its files): each answer as the page says. */
async function docsCurlLines(demo: Demo): Promise<void> {
  const doc = readFileSync(join(root, 'docs/ofrep.md'), 'utf8');
  const block = /<!-- run against the demo: test\/e2e\/demo.test.ts -->\n```sh\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block).toContain('curl');
  const script = (block as string).replaceAll('localhost:3000', demo.url.replace('http://', ''));
  const out = await new Promise<string>((resolve, reject) =>
    execFile('sh', ['-ec', script], (error, stdout, stderr) => (error ? reject(new Error(`${error.message}${stderr}`)) : resolve(stdout))),
  );
  const [theme, checkout, all, notModified] = out
    .replace(/\}(?=[{\d])/g, '}\n')
    .trim()
    .split('\n');
  expect(JSON.parse(theme as string)).toMatchObject({
    key: 'checkout-theme',
    value: expect.stringMatching(/^(light|dark)$/),
    reason: 'TARGETING_MATCH',
  });
  expect(JSON.parse(checkout as string)).toEqual({ key: 'new-checkout', reason: 'DISABLED' });
  expect(
    JSON.parse(all as string)
      .flags.map((f: { key: string }) => f.key)
      .sort(),
  ).toEqual(['checkout-theme', 'new-checkout']);
  expect(notModified).toBe('304');
}

describe('the demo service, started as a process', () => {
  it('on the embedded file source: editing the files flips a flag and the log level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dials-demo-'));
    const configFile = join(dir, 'dials.yaml');
    const flagsFile = join(dir, 'flags.flagd.json');
    copyFileSync(join(demoDir, 'dials.yaml'), configFile);
    copyFileSync(join(demoDir, 'flags.flagd.json'), flagsFile);
    const demo = await startDemo({ DIALS_CONFIG_FILE: configFile, DIALS_FLAGS_FILE: flagsFile });
    expect(demo.output()).toContain('embedded file source');
    expect(await (await fetch(`${demo.url}/`)).json()).toEqual({ shop: 'Dials Shop', database: 'localhost:5432', currency: 'EUR' });
    expect(await (await fetch(`${demo.url}/health`)).json()).toMatchObject({ status: 'ready' });
    expect(await newCheckout(demo)).toBe(404);
    expect(await debugLineShows(demo)).toBe(false);
    expect(await (await fetch(`${demo.url}/instances`)).json()).toMatchObject([{ host: '127.0.0.1', meta: { demo: true } }]);
    const viaOpenFeature = () =>
      fetch(`${demo.url}/openfeature/new-checkout`, { headers: { 'x-user-email': 'ana@example.com' } }).then((r) => r.json());
    expect(await viaOpenFeature()).toMatchObject({ value: false, reason: 'DISABLED' });

    await docsCurlLines(demo);

    const flags = JSON.parse(readFileSync(flagsFile, 'utf8'));
    flags.flags['new-checkout'].state = 'ENABLED';
    writeFileSync(flagsFile, JSON.stringify(flags));
    const metricsBefore = await (await fetch(`${demo.url}/metrics`)).text();
    const flagMs = await until(async () => (await newCheckout(demo)) === 200);
    expect(await viaOpenFeature()).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    const metricsAfter = await (await fetch(`${demo.url}/metrics`)).text();
    // The flag flip is a config change of the flags' prefix; the evaluations were counted.
    expect(metric(metricsAfter, 'dials_config_changes_total{prefix="",kind="flags"}')).toBeGreaterThan(
      metric(metricsBefore, 'dials_config_changes_total{prefix="",kind="flags"}'),
    );
    expect(
      metric(
        metricsAfter,
        'feature_flag_evaluation_total{feature_flag_key="new-checkout",feature_flag_result_variant="on",feature_flag_result_reason="TARGETING_MATCH"}',
      ),
    ).toBeGreaterThan(0);

    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('level: info', 'level: debug'));
    const levelMs = await until(() => debugLineShows(demo));
    console.log(`demo (file): flag flip seen after ${flagMs} ms, log level after ${levelMs} ms`);

    // An emptied file: the required keys keep their last good values, /health says so.
    writeFileSync(configFile, '');
    type Health = { status: string; refused: { path: string; reason: string }[] };
    await until(async () => ((await (await fetch(`${demo.url}/health`)).json()) as Health).status === 'degraded');
    const health = await fetch(`${demo.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as Health).refused.map((r) => `${r.path}:${r.reason}`).sort()).toEqual([
      'database/host:deleted',
      'database/port:deleted',
    ]);
    const home = await fetch(`${demo.url}/`);
    expect(home.status).toBe(200);
    expect(await home.json()).toEqual({ shop: 'Dials Shop', database: 'localhost:5432', currency: 'EUR' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('on etcd: seeds an empty prefix, then follows a flag flip and a log level put', async () => {
    const endpoint = inject('etcdEndpoint');
    const configPrefix = uniquePrefix('demo-config');
    const flagsPrefix = uniquePrefix('demo-flags');
    const demo = await startDemo({ ETCD_ENDPOINTS: endpoint, DIALS_CONFIG_PREFIX: configPrefix, DIALS_FLAGS_PREFIX: flagsPrefix });
    expect(demo.output()).toContain(`prefix ${configPrefix}`);
    const etcd = rawClient(endpoint);
    expect(await etcd.get(`${configPrefix}database/host`).string()).toBe('"localhost"'); // seeded
    expect(await newCheckout(demo)).toBe(404);

    const flag = JSON.parse((await etcd.get(`${flagsPrefix}new-checkout`).string()) ?? '{}');
    await etcd.put(`${flagsPrefix}new-checkout`).value(JSON.stringify({ ...flag, state: 'ENABLED' }));
    const flagMs = await until(async () => (await newCheckout(demo)) === 200);
    await etcd.put(`${configPrefix}logging/level`).value('debug'); // as etcdctl writes it
    const levelMs = await until(() => debugLineShows(demo));
    console.log(`demo (etcd): flag flip seen after ${flagMs} ms, log level after ${levelMs} ms`);
    await etcd.delete().prefix(configPrefix);
    await etcd.delete().prefix(flagsPrefix);
    etcd.close();
  });
});
