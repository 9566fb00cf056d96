import { execFile } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createOfrep, createOfrepKey } from '@dials/console';
import { memorySource } from '@dials/core';
import express from 'express';
import { afterAll, expect, it } from 'vitest';
import { QUICK, REPS, record, save } from './measure.js';

afterAll(() => save('ofrep'));
const DURATION = QUICK ? 1 : 5;
const GROUP = 'OFREP (Express 5, autocannon, 50 connections)';
const autocannonBin = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

/** Requests per second of POSTs with `body`, from autocannon in its own process; non-2xx/304 answers fail the run. */
function rps(url: string, body: string, headers: Record<string, string>, expected: number): Promise<number> {
  const args = [autocannonBin, '-c', '50', '-d', String(DURATION), '-j', '-m', 'POST', '-b', body];
  for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...headers })) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout) as { requests: { average: number }; statusCodeStats?: Record<string, { count: number }> };
      const statuses = Object.keys(result.statusCodeStats ?? {});
      if (statuses.some((s) => Number(s) !== expected))
        return reject(new Error(`${url}: answers ${statuses.join(', ')}, not only ${expected}`));
      resolve(result.requests.average);
    });
  });
}

/**
 * The server's own cost of one request, in µs of CPU time (this process's, so other processes on
 * the machine do not count): Express handles real IncomingMessage and ServerResponse objects in
 * process, no sockets, as test/bench/express-probe.mjs does.
 */
async function microsPerRequest(app: express.Express, url: string, body: string, headers: Record<string, string>, expected: number) {
  const socket = new Socket();
  socket.write = () => true;
  // A body is read only from a request whose socket is readable (on-finished, in body-parser).
  Object.defineProperty(socket, 'readable', { get: () => true });
  let finished = 0;
  let failure: Error | undefined;
  const one = () => {
    const req = new IncomingMessage(socket);
    req.method = 'POST';
    req.url = url;
    req.headers = { host: 'bench', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers };
    req.push(body);
    req.push(null);
    const res = new ServerResponse(req);
    // Counted at end(): with no socket attached, a response never emits 'finish'.
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (res.statusCode === expected) finished++;
      else failure = new Error(`${url}: ${res.statusCode}, not ${expected}: ${String(args[0])}`);
      return end(...args);
    }) as typeof res.end;
    app(req as express.Request, res as express.Response);
  };
  const round = async (n: number) => {
    const start = process.cpuUsage();
    const before = finished;
    for (let i = 0; i < n; i++) {
      one();
      if (i % 100 === 99) await new Promise(setImmediate);
    }
    while (finished - before < n) {
      if (failure) throw failure;
      await new Promise(setImmediate);
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / n;
  };
  await round(QUICK ? 200 : 2_000); // warm-up
  const times: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : REPS); r++) times.push(await round(QUICK ? 500 : 5_000));
  return times;
}

/** 50 flags of the kinds a namespace holds: targeted booleans, rollouts, strings, numbers, objects, a disabled one. */
function fiftyFlags(): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < 50; i++) {
    const kind = i % 5;
    flags[`/flags/bench/flag-${i}`] =
      kind === 0
        ? {
            state: 'ENABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on'] },
          }
        : kind === 1
          ? {
              state: 'ENABLED',
              variants: { on: true, off: false },
              defaultVariant: 'off',
              targeting: {
                fractional: [
                  ['on', 20],
                  ['off', 80],
                ],
              },
            }
          : kind === 2
            ? {
                state: 'ENABLED',
                variants: { a: 'light', b: 'dark' },
                defaultVariant: 'a',
                targeting: { if: [{ in: [{ var: 'country' }, ['DE', 'AT']] }, 'b'] },
              }
            : kind === 3
              ? { state: i === 48 ? 'DISABLED' : 'ENABLED', variants: { few: 10, many: 250 }, defaultVariant: 'few' }
              : { state: 'ENABLED', variants: { v: { color: 'blue', sizes: [1, 2, 3] } }, defaultVariant: 'v', metadata: { owner: 'web' } };
  }
  return flags;
}

it('OFREP: bulk evaluation of 50 flags (200), the same with If-None-Match (304), one flag, against a bare route', async () => {
  const source = memorySource({ initial: fiftyFlags() });
  const { key } = await createOfrepKey(source, 'flags/bench');
  const ofrep = createOfrep({ source, requireKeys: true }); // the same key check and evaluation as on etcd: no etcd read per request
  await ofrep.ready();
  const app = express();
  // The floor: the same POST to a route that reads the body and answers a small JSON, nothing else.
  app.post('/bare', express.json(), (_req, res) => {
    res.json({ ok: true });
  });
  app.use(ofrep.router);
  const server = await new Promise<ReturnType<express.Express['listen']>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `${origin}/ofrep/v1/evaluate/flags`;
  const body = JSON.stringify({ context: { targetingKey: 'user-42', email: 'ann@example.com', country: 'DE' } });
  const first = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
  expect(((await first.json()) as { flags: unknown[] }).flags).toHaveLength(50);
  const etag = first.headers.get('etag') as string;
  const bare: number[] = [];
  const bulk: number[] = [];
  const notModified: number[] = [];
  const single: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : REPS); r++) {
    if (!QUICK) bare.push(await rps(`${origin}/bare`, body, {}, 200));
    bulk.push(await rps(base, body, { 'x-api-key': key }, 200));
    notModified.push(await rps(base, body, { 'x-api-key': key, 'if-none-match': etag }, 304));
    if (!QUICK) single.push(await rps(`${base}/flag-0`, body, { 'x-api-key': key }, 200));
  }
  if (bare.length > 0) record(GROUP, 'bare POST route (express.json, a small answer)', 'req/s', bare, 'the floor on this machine');
  const b = record(GROUP, 'bulk evaluation, 50 flags (200, ~6 KB)', 'req/s', bulk);
  const n = record(
    GROUP,
    'bulk, If-None-Match unchanged (304)',
    'req/s',
    notModified,
    'every flag is still evaluated: the ETag is a digest of the answer',
  );
  if (single.length > 0) record(GROUP, 'one flag (POST .../flags/{key})', 'req/s', single);
  const cost = "OFREP, the server's CPU time per request (in process, no sockets)";
  const auth = { 'x-api-key': key };
  record(cost, 'bare POST route (express.json, a small answer)', 'µs', await microsPerRequest(app, '/bare', body, {}, 200));
  const c = record(cost, 'bulk evaluation, 50 flags (200)', 'µs', await microsPerRequest(app, '/ofrep/v1/evaluate/flags', body, auth, 200));
  record(
    cost,
    'bulk, If-None-Match unchanged (304)',
    'µs',
    await microsPerRequest(app, '/ofrep/v1/evaluate/flags', body, { ...auth, 'if-none-match': etag }, 304),
  );
  record(cost, 'one flag', 'µs', await microsPerRequest(app, '/ofrep/v1/evaluate/flags/flag-0', body, auth, 200));
  console.log(`ofrep bulk: ${c.median.toFixed(0)} µs of CPU a request (${(1e6 / c.median).toFixed(0)} req/s a core)`);
  console.log(`ofrep bulk: ${b.median.toFixed(0)} req/s (304: ${n.median.toFixed(0)} req/s)`);
  server.close();
  await ofrep.close();
  expect(b.median).toBeGreaterThan(0);
}, 600_000);
