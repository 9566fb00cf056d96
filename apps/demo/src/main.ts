import 'reflect-metadata';
import type { Dials } from '@dials/core';
import { dialsHealth, dialsMiddleware } from '@dials/express';
import type { Flags } from '@dials/flags';
import { bindLogLevel, nestTarget } from '@dials/logging';
import { DIALS, DIALS_FLAGS } from '@dials/nestjs';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { AppModule } from './app.module.js';
import { mountConsole } from './console.js';
import { metricsRoute } from './metrics.js';
import { moreRoutes } from './more-routes.js';
import { demoSources } from './sources.js';

async function main() {
  const setup = await demoSources();
  const logger = new ConsoleLogger('Demo', { logLevels: ['log', 'warn', 'error', 'fatal'] });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(setup), { logger });
  app.enableShutdownHooks();
  const dials = app.get<Dials>(DIALS);
  const flags = app.get<Flags>(DIALS_FLAGS);

  // Log level hot reload: logging/level in the config drives the Nest logger.
  bindLogLevel(dials, 'logging/level', nestTarget(logger, { initial: 'info' }), {
    onChange: (level) => logger.log(`log level is now ${level}`),
  });
  dials.errors$.subscribe((error) => logger.warn(error.message));
  flags.errors$.subscribe((error) => logger.warn(error.message));

  // Plain Express routes on the same server: req.config and /health.
  const express = app.getHttpAdapter().getInstance();
  express.use(dialsMiddleware({ dials, flags, context: (req) => ({ targetingKey: req.get('x-user-id') ?? 'anonymous' }) }));
  express.get('/express/config', (req: Request, res: Response) => res.json(req.config));
  express.get('/health', dialsHealth({ dials, flags }));
  metricsRoute(express, dials, flags);

  const port = Number(process.env.PORT ?? 3000);
  await moreRoutes(express, { flags, registry: setup.registry, port });
  await mountConsole(express, setup);
  await app.listen(port);
  const url = `http://localhost:${port}`;
  console.log(`Dials demo listening on ${url}`);
  if (setup.mode === 'file') {
    console.log(`Config: ${setup.configFile} (no ETCD_ENDPOINTS, so the embedded file source)`);
    console.log(`Flags:  ${setup.flagsFile}`);
    console.log(`Console: ${url}/console (no login on the embedded files); OFREP: POST ${url}/ofrep/v1/evaluate/flags (no API key)`);
    console.log(`Try: curl ${url}/checkout -H 'x-user-id: u1'; then set logging.level: debug in the config file,`);
    console.log(`     or "state": "ENABLED" for new-checkout in the flags file, and ask again: it changes at once.`);
  } else {
    console.log(`Config: etcd ${process.env.ETCD_ENDPOINTS}, prefix ${setup.configPrefix}; flags under ${setup.flagsPrefix}`);
    console.log(`Console: ${url}/console; OFREP: POST ${url}/ofrep/v1/evaluate/flags (with an API key: dials ofrep keys create)`);
    console.log(`Try: etcdctl put ${setup.configPrefix}logging/level debug   then   curl ${url}/debug-log`);
  }
}

main().catch((error: unknown) => {
  console.error(`Dials demo failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
