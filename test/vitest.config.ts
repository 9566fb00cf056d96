import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = (name: string) => fileURLToPath(new URL(`../packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  root,
  resolve: {
    // Tests run against the sources; the pack test checks the built packages as users get them.
    alias: {
      '@dials/core': src('core'),
      '@dials/flags': src('flags'),
      '@dials/openfeature': src('openfeature'),
      '@dials/express': src('express'),
      '@dials/logging': src('logging'),
      '@dials/nestjs': src('nestjs'),
      '@dials/discovery': src('discovery'),
      '@dials/metrics': src('metrics'),
      '@dials/console': src('console'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/bench/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
