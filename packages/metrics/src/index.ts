export type { DialsLike, EvaluationCount, FlagsLike } from './figures.js';
export { dialsOtelMetrics } from './otel.js';
export { type DialsMetricsOptions, registerDialsMetrics } from './prometheus.js';
