import { defineConfig } from 'vitest/config';
import base from '../vitest.config.js';

// The benchmarks: one file at a time, so they do not compete for the two cores.
export default defineConfig({
  root: base.root,
  resolve: base.resolve,
  test: {
    include: ['test/bench/*.bench.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Heap figures are measured after a forced collection.
    execArgv: ['--expose-gc'],
  },
});
