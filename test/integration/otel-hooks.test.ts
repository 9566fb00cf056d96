import { memorySource } from '@dials/core';
import { createFlags } from '@dials/flags';
import { DialsProvider } from '@dials/openfeature';
import { MetricsHook } from '@openfeature/open-telemetry-hooks';
import { OpenFeature } from '@openfeature/server-sdk';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { expect, it } from 'vitest';

it("the OpenFeature provider works with OpenTelemetry's MetricsHook: evaluations are counted with flag, variant and reason", async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  const flags = createFlags({
    source: memorySource({
      initial: {
        '/f/beta': {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'vip'] }, 'on'] },
        },
      },
    }),
    prefix: '/f/',
  });
  await OpenFeature.setProviderAndWait('otel', new DialsProvider({ flags }));
  const client = OpenFeature.getClient('otel');
  client.addHooks(new MetricsHook());
  expect(await client.getBooleanValue('beta', false, { targetingKey: 'vip' })).toBe(true);
  expect(await client.getBooleanValue('beta', false, { targetingKey: 'guest' })).toBe(false);
  await reader.forceFlush();
  const points = exporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
    .filter((m) => m.descriptor.name === 'feature_flag.evaluation_success_total')
    .flatMap((m) => m.dataPoints as { value: unknown; attributes: Record<string, unknown> }[]);
  const byVariant = Object.fromEntries(
    points.map((p) => [String(p.attributes['feature_flag.result.variant'] ?? p.attributes['feature_flag.variant']), p.value]),
  );
  expect(byVariant).toMatchObject({ on: 1, off: 1 });
  expect(points.every((p) => Object.values(p.attributes).includes('beta'))).toBe(true);
  // The provider's own counters agree.
  expect(flags.usage().beta).toMatchObject({ evaluations: 2, variants: { on: 1, off: 1 } });
  await OpenFeature.close();
  await flags.close();
  await provider.shutdown();
  metrics.disable();
});
