import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import { instancesOf, STATUSES } from './figures.js';
import type { DialsMetricsOptions } from './prometheus.js';

/**
 * The same figures as `registerDialsMetrics`, through `@opentelemetry/api`, for those who export
 * with OpenTelemetry instead of Prometheus. Observed at each collection; nothing on the hot path.
 *
 * @example
 * dialsOtelMetrics(metrics.getMeter('shop'), { dials, flags });
 */
export function dialsOtelMetrics(meter: Meter, options: DialsMetricsOptions): void {
  const instances = instancesOf(options);
  const flags = options.flags;
  const each = (observe: (result: ObservableResult<Attributes>) => void) => (result: ObservableResult<Attributes>) => observe(result);
  meter.createObservableGauge('dials_status', { description: 'Status of each Dials instance: 1 for its current status' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances)
        for (const status of STATUSES) result.observe(f.dials.status === status ? 1 : 0, { ...labels, status });
    }),
  );
  meter.createObservableGauge('dials_applied_revision', { description: 'The etcd revision each Dials instance has applied' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances) result.observe(f.dials.revision, labels);
    }),
  );
  meter.createObservableGauge('dials_stale_seconds', { description: 'How long each instance has been stale', unit: 's' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances) result.observe(f.staleSeconds, labels);
    }),
  );
  meter.createObservableCounter('dials_watch_restarts_total', { description: 'Times a live watch broke and was restarted' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances) result.observe(f.dials.stats.watchRestarts, labels);
    }),
  );
  meter.createObservableCounter('dials_errors_total', { description: 'Problems reported on errors$, by code' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances) for (const [code, count] of f.errors) result.observe(count, { ...labels, code });
    }),
  );
  meter.createObservableCounter('dials_config_changes_total', { description: 'Config changes applied' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances) result.observe(f.changes, labels);
    }),
  );
  meter.createObservableGauge('dials_values_refused', { description: 'Keys whose value the instance refuses (1 per key)' }).addCallback(
    each((result) => {
      for (const { figures: f, labels } of instances)
        for (const r of f.dials.refused) result.observe(1, { ...labels, key: r.key, reason: r.reason });
    }),
  );
  if (!flags) return;
  meter
    .createObservableCounter('feature_flag.evaluation_total', { description: 'Flag evaluations by flag, variant and reason' })
    .addCallback(
      each((result) => {
        for (const e of flags.evaluationCounts()) {
          result.observe(e.count, {
            'feature_flag.key': e.flagKey,
            'feature_flag.result.variant': e.variant,
            'feature_flag.result.reason': e.reason,
          });
        }
      }),
    );
}
