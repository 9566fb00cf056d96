import { Counter, Gauge, type Registry } from 'prom-client';
import { type DialsLike, type FlagsLike, instancesOf, STATUSES } from './figures.js';

export interface DialsMetricsOptions {
  /** The config to report (`createDials`). */
  readonly dials?: DialsLike;
  /** The flags to report (`createFlags`): their evaluations, and their own Dials instance. */
  readonly flags?: FlagsLike;
}

/**
 * Register Dials' metrics with a prom-client registry. Every figure is read when the registry is
 * scraped, from counters Dials keeps anyway: no second cost on the hot path.
 *
 * @example
 * const registry = new Registry();
 * registerDialsMetrics(registry, { dials, flags });
 * app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 */
export function registerDialsMetrics(registry: Registry, options: DialsMetricsOptions): void {
  const instances = instancesOf(options);
  const flags = options.flags;
  const registers = [registry];
  new Gauge({
    name: 'dials_status',
    help: 'Status of each Dials instance: 1 for its current status, 0 for the others',
    labelNames: ['prefix', 'kind', 'status'],
    registers,
    collect() {
      for (const { figures: f, labels } of instances)
        for (const status of STATUSES) this.set({ ...labels, status }, f.dials.status === status ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dials_applied_revision',
    help: 'The etcd revision each Dials instance has applied',
    labelNames: ['prefix', 'kind'],
    registers,
    collect() {
      for (const { figures: f, labels } of instances) this.set(labels, f.dials.revision);
    },
  });
  new Gauge({
    name: 'dials_stale_seconds',
    help: 'How long each Dials instance has been stale (serving the last known values while etcd is unreachable); 0 when not',
    labelNames: ['prefix', 'kind'],
    registers,
    collect() {
      for (const { figures: f, labels } of instances) this.set(labels, f.staleSeconds);
    },
  });
  new Counter({
    name: 'dials_watch_restarts_total',
    help: 'Times a live watch broke and was restarted',
    labelNames: ['prefix', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const { figures: f, labels } of instances) this.inc(labels, f.dials.stats.watchRestarts);
    },
  });
  new Counter({
    name: 'dials_errors_total',
    help: 'Problems reported on errors$, by DialsError code',
    labelNames: ['prefix', 'kind', 'code'],
    registers,
    collect() {
      this.reset();
      for (const { figures: f, labels } of instances) for (const [code, count] of f.errors) this.inc({ ...labels, code }, count);
    },
  });
  new Counter({
    name: 'dials_config_changes_total',
    help: 'Config changes applied (one per key per revision): annotate dashboards with its increase',
    labelNames: ['prefix', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const { figures: f, labels } of instances) this.inc(labels, f.changes);
    },
  });
  new Gauge({
    name: 'dials_values_refused',
    help: 'Keys whose value the instance refuses, keeping the last good one (1 per key)',
    labelNames: ['prefix', 'kind', 'key', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const { figures: f, labels } of instances)
        for (const r of f.dials.refused) this.set({ ...labels, key: r.key, reason: r.reason }, 1);
    },
  });
  if (!flags) return;
  new Counter({
    name: 'feature_flag_evaluation_total',
    help: 'Flag evaluations by flag, variant and reason (OpenTelemetry feature-flag conventions)',
    labelNames: ['feature_flag_key', 'feature_flag_result_variant', 'feature_flag_result_reason'],
    registers,
    collect() {
      this.reset();
      for (const e of flags.evaluationCounts()) {
        this.inc({ feature_flag_key: e.flagKey, feature_flag_result_variant: e.variant, feature_flag_result_reason: e.reason }, e.count);
      }
    },
  });
}
