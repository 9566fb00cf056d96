// A probe, not part of `npm run bench`: what each piece of dialsMiddleware costs per request, in
// microseconds, with Express driving real IncomingMessage/ServerResponse objects in process (no
// sockets, so far less noise than requests/s over loopback). Run from the repo root after a build:
//   node test/bench/express-probe.mjs            (every variant, each in a process of its own)
//   node test/bench/express-probe.mjs dials      (one variant)
import { execFileSync } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDials, memorySource } from '@dials/core';
import { dialsMiddleware } from '@dials/express';
import { createFlags } from '@dials/flags';
import express from 'express';

const variants = ['bare', 'empty-middleware', 'middleware-unused', 'dials'];
const variant = process.argv[2];
if (!variant) {
  // Each variant in a fresh process: what one installs on Express's prototypes must not touch the others.
  for (let round = 0; round < 2; round++) {
    for (const v of variants)
      process.stdout.write(execFileSync(process.execPath, [fileURLToPath(import.meta.url), v], { encoding: 'utf8' }));
  }
  process.exit(0);
}

const flag = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on', 'off'] },
};
const source = memorySource({ initial: { '/c/greeting': 'hello', '/f/beta': flag } });
const dials = createDials({ source, prefix: '/c/' });
const flags = createFlags({ source, prefix: '/f/' });
await Promise.all([dials.ready(), flags.ready()]);
const context = (req) => ({ targetingKey: req.get('x-user-id') ?? 'anonymous' });
// The bare route does the same work without the middleware: it evaluates the flag itself.
const plain = (req, res) => res.json({ greeting: 'hello', beta: flags.isEnabled('beta', context(req)) });
const app = express();
if (variant === 'bare') app.get('/', plain);
if (variant === 'empty-middleware') app.use((_req, _res, next) => next()).get('/', plain);
if (variant === 'middleware-unused') app.use(dialsMiddleware({ dials, flags, context })).get('/', plain);
if (variant === 'dials') {
  app.use(dialsMiddleware({ dials, flags, context }));
  app.get('/', (req, res) => res.json({ greeting: req.config.greeting, beta: req.flags.isEnabled('beta') }));
}

const socket = new Socket();
socket.write = () => true;
let finished = 0;
function request() {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = '/';
  req.headers = { host: 'probe', 'x-user-id': 'vip' };
  req.rawHeaders = ['host', 'probe', 'x-user-id', 'vip'];
  req.complete = true;
  req.push(null);
  const res = new ServerResponse(req);
  const end = res.end;
  res.end = function (...args) {
    finished++;
    return end.apply(this, args);
  };
  app.handle(req, res, (error) => {
    if (error) throw error;
  });
}
const N = 20_000;
async function round() {
  const started = process.hrtime.bigint();
  const before = finished;
  for (let i = 0; i < N; i++) {
    request();
    if (i % 100 === 99) await new Promise(setImmediate);
  }
  while (finished - before < N) await new Promise(setImmediate);
  return Number(process.hrtime.bigint() - started) / N / 1000;
}
for (let i = 0; i < 5; i++) await round();
const times = [];
for (let i = 0; i < 15; i++) times.push(await round());
times.sort((a, b) => a - b);
console.log(`${variant.padEnd(18)} ${times[7].toFixed(1)} µs/request (median of 15 rounds of ${N}; fastest ${times[0].toFixed(1)})`);
process.exit(0);
