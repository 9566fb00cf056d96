// One build setup for every library package: ESM + CJS + types (see packages/core/tsup.config.ts).
export { default } from '../core/tsup.config.js';
