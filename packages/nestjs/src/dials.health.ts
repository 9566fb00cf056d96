import { type Dials, type DialsStatus, type HealthReport, healthOf } from '@dials/core';
import type { Flags } from '@dials/flags';
import { Inject, Injectable } from '@nestjs/common';
import { DIALS, DIALS_FLAGS } from './tokens.js';

/** A `@nestjs/terminus` indicator result: `{ [key]: { status: 'up' | 'down', ...details } }`. */
export type DialsHealthResult = Record<string, { status: 'up' | 'down'; dials: DialsStatus } & Omit<HealthReport, 'status' | 'serving'>>;

/**
 * The health of Dials and its flags, for a health route or `@nestjs/terminus`: `up` while values
 * are served (`ready`, `degraded`, `stale`), with the refused keys listed.
 *
 * @example
 * @Get('health') check() { return this.health.check([() => this.dialsHealth.isHealthy()]); }
 */
@Injectable()
export class DialsHealthIndicator {
  constructor(
    @Inject(DIALS) private readonly dials: Dials,
    @Inject(DIALS_FLAGS) private readonly flags: Flags | null,
  ) {}

  /** The full report (status, revision, refused keys). */
  report(): HealthReport {
    return healthOf(this.dials, this.flags ?? undefined);
  }

  /** In terminus' shape; it never throws, so a `degraded` or `stale` instance stays in the pool. */
  isHealthy(key = 'dials'): DialsHealthResult {
    const { status, serving, ...details } = this.report();
    return { [key]: { status: serving ? 'up' : 'down', dials: status, ...details } };
  }
}
