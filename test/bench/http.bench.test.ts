import 'reflect-metadata';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDials, memorySource } from '@dials/core';
import { dialsMiddleware } from '@dials/express';
import { createFlags } from '@dials/flags';
import { DialsModule, FeatureFlag } from '@dials/nestjs';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import { afterAll, expect, it } from 'vitest';
import { QUICK, REPS, record, save } from './measure.js';

afterAll(() => save('http'));
const DURATION = QUICK ? 1 : 5;

const autocannonBin = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

/** Requests per second from autocannon in its own process, so the load does not share the server's event loop. */
function rps(url: string, headers: Record<string, string> = {}): Promise<number> {
  const args = [
    autocannonBin,
    '-c',
    '50',
    '-d',
    String(DURATION),
    '-j',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]),
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else resolve((JSON.parse(stdout) as { requests: { average: number } }).requests.average);
    });
  });
}

const flag = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on', 'off'] },
};
const initial = { '/c/greeting': 'hello', '/f/beta': flag };

it('HTTP overhead: a small Express route, bare and with dialsMiddleware + one flag', async () => {
  const source = memorySource({ initial });
  const dials = createDials({ source, prefix: '/c/' });
  const flags = createFlags({ source, prefix: '/f/' });
  await Promise.all([dials.ready(), flags.ready()]);
  const bare = express();
  bare.get('/', (_req, res) => {
    res.json({ greeting: 'hello', beta: false });
  });
  const withDials = express();
  withDials.use(dialsMiddleware({ dials, flags, context: (req) => ({ targetingKey: req.get('x-user-id') ?? 'anonymous' }) }));
  withDials.get('/', (req, res) => {
    res.json({ greeting: (req.config as { greeting: string }).greeting, beta: req.flags.isEnabled('beta') });
  });
  const listen = (app: express.Express) =>
    new Promise<ReturnType<express.Express['listen']>>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
  const servers = await Promise.all([listen(bare), listen(withDials)]);
  const [bareUrl, dialsUrl] = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`) as [string, string];
  const b: number[] = [];
  const d: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : REPS); r++) {
    // The same request to both: the header is what the context reads. Which goes first alternates.
    await inTurn(
      r,
      () => rps(bareUrl, { 'x-user-id': 'vip' }).then((n) => b.push(n)),
      () => rps(dialsUrl, { 'x-user-id': 'vip' }).then((n) => d.push(n)),
    );
  }
  const bf = record('HTTP (Express 5, autocannon, 50 connections)', 'bare route', 'req/s', b);
  const df = record(
    'HTTP (Express 5, autocannon, 50 connections)',
    'with dialsMiddleware, req.config and one req.flags evaluation',
    'req/s',
    d,
  );
  console.log(`http express: ${versusBare(bf.median, df.median)}`);
  for (const s of servers) s.close();
  await Promise.all([dials.close(), flags.close()]);
  expect(bf.median).toBeGreaterThan(0);
}, 600_000);

it('HTTP overhead: NestJS, bare and with @FeatureFlag (FeatureFlagGuard)', async () => {
  @Controller()
  class BareController {
    @Get('bare')
    bare() {
      return { ok: true };
    }

    @FeatureFlag('beta')
    @Get('gated')
    gated() {
      return { ok: true };
    }
  }
  @Module({
    imports: [
      DialsModule.forRoot({
        source: memorySource({ initial }),
        prefix: '/c/',
        flags: {
          prefix: '/f/',
          context: (req) => ({ targetingKey: String((req as { headers: Record<string, string> }).headers['x-user-id'] ?? '') }),
        },
      }),
    ],
    controllers: [BareController],
  })
  class AppModule {}
  const app: INestApplication = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const b: number[] = [];
  const g: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : REPS); r++) {
    await inTurn(
      r,
      () => rps(`${url}/bare`, { 'x-user-id': 'vip' }).then((n) => b.push(n)),
      () => rps(`${url}/gated`, { 'x-user-id': 'vip' }).then((n) => g.push(n)),
    );
  }
  const bf = record('HTTP (NestJS 11 on Express, autocannon, 50 connections)', 'bare route', 'req/s', b);
  const gf = record('HTTP (NestJS 11 on Express, autocannon, 50 connections)', 'with @FeatureFlag (FeatureFlagGuard)', 'req/s', g);
  console.log(`http nest: ${versusBare(bf.median, gf.median)}`);
  await app.close();
}, 600_000);

/**
 * Both contenders of round `r`, one after the other, the bare one first in even rounds: the second
 * of a pair runs on a machine the first has just loaded for seconds, so a fixed order favours one.
 */
async function inTurn(r: number, bare: () => Promise<unknown>, withDials: () => Promise<unknown>): Promise<void> {
  for (const run of r % 2 === 0 ? [bare, withDials] : [withDials, bare]) await run();
}

/** `3.1 % fewer requests/s than bare`, or `2.0 % more ...` when noise puts the route with Dials ahead. */
function versusBare(bare: number, withDials: number): string {
  const fewer = ((bare - withDials) / bare) * 100;
  return `${Math.abs(fewer).toFixed(1)} % ${fewer >= 0 ? 'fewer' : 'more'} requests/s than bare`;
}
