import type { Dials } from '@dials/core';
import type { Flags } from '@dials/flags';
import { registerDialsMetrics } from '@dials/metrics';
import type { Express, Request, Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** `/metrics` for Prometheus: the process's own figures and Dials'. */
export function metricsRoute(express: Express, dials: Dials, flags: Flags): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerDialsMetrics(registry, { dials, flags });
  express.get('/metrics', async (_req: Request, res: Response) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
}
