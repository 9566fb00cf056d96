import { defineConfig } from 'tsup';

// The build of every library package (ESM + CJS + types, see packages/core/tsup.config.ts), with
// shims: the console finds its built UI beside its own file, and the CommonJS build has no
// `import.meta.url` of its own (tsup gives it one from `__filename`).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
