import { createDials, memorySource } from '@dials/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dialsOtelMetrics, type FlagsLike, registerDialsMetrics } from '../src/index.js';

const counts = [{ flagKey: 'new-checkout', variant: 'on', reason: 'TARGETING_MATCH', count: 3 }];

async function setup() {
  const source = memorySource({ initial: { '/c/port': 5432 } });
  const dials = createDials({ source, prefix: '/c/', schema: { port: z.coerce.number() } });
  const flagsDials = createDials({ source, prefix: '/f/' });
  await Promise.all([dials.ready(), flagsDials.ready()]);
  const flags: FlagsLike = { dials: flagsDials, evaluationCounts: () => counts };
  return { source, dials, flags, close: () => Promise.all([dials.close(), flagsDials.close()]) };
}

const value = (text: string, line: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(line))
      ?.slice(line.length)
      .trim(),
  );

describe('Prometheus metrics', () => {
  it('expose status, revision, changes, refusals, errors and flag evaluations, and move with them', async () => {
    const { source, dials, flags, close } = await setup();
    const registry = new Registry();
    registerDialsMetrics(registry, { dials, flags });
    const before = await registry.metrics();
    expect(value(before, 'dials_status{prefix="/c/",kind="config",status="ready"}')).toBe(1);
    expect(value(before, 'dials_applied_revision{prefix="/c/",kind="config"}')).toBe(dials.revision);
    expect(
      value(
        before,
        'feature_flag_evaluation_total{feature_flag_key="new-checkout",feature_flag_result_variant="on",feature_flag_result_reason="TARGETING_MATCH"}',
      ),
    ).toBe(3);
    const changesBefore = value(before, 'dials_config_changes_total{prefix="/c/",kind="config"}') || 0;

    await source.put('/c/port', '6543');
    await source.put('/c/port', '"abc"');
    const after = await registry.metrics();
    expect(value(after, 'dials_config_changes_total{prefix="/c/",kind="config"}')).toBe(changesBefore + 1);
    expect(value(after, 'dials_values_refused{prefix="/c/",kind="config",key="/c/port",reason="invalid"}')).toBe(1);
    expect(value(after, 'dials_errors_total{prefix="/c/",kind="config",code="INVALID_VALUE"}')).toBe(1);
    expect(value(after, 'dials_status{prefix="/c/",kind="config",status="degraded"}')).toBe(1);
    expect(after).toContain('# TYPE feature_flag_evaluation_total counter');
    await close();
  });
});

describe('OpenTelemetry metrics', () => {
  it('give the same figures through @opentelemetry/api', async () => {
    const { dials, flags, close } = await setup();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    dialsOtelMetrics(provider.getMeter('test'), { dials, flags });
    await reader.forceFlush();
    const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    expect(byName.get('dials_applied_revision')?.dataPoints.find((p) => p.attributes.prefix === '/c/')?.value).toBe(dials.revision);
    expect(byName.get('feature_flag.evaluation_total')?.dataPoints[0]).toMatchObject({
      value: 3,
      attributes: { 'feature_flag.key': 'new-checkout', 'feature_flag.result.variant': 'on' },
    });
    await provider.shutdown();
    await close();
  });
});
