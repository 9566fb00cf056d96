import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console's single-page UI, built into the package's dist/ui, where createConsole serves it.
// JSX through Vite's own transform (no plugin); no inline scripts or styles, so the page runs
// under the console's CSP (`script-src 'self'; style-src 'self'`).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Every asset a file of its own: a data: URL would be fine for images, but keep one rule.
    assetsInlineLimit: 0,
    // Modern browsers only: no module preload polyfill.
    modulePreload: { polyfill: false },
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `npm run dev -w @dials/console` against a demo on port 3000 (`npm start`).
    proxy: { '/console/api': 'http://127.0.0.1:3000' },
  },
});
