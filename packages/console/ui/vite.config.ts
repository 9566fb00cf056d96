import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console's single-page UI, built into the package's dist/ui, where createConsole serves it.
// JSX through Vite's own transform (no plugin); no inline scripts or styles, so the page runs
// under the console's CSP (`script-src 'self'; style-src 'self'`).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  // The UI is written against React's API and run by Preact (preact/compat): 168 KB of script
  // instead of 373 KB, which the first load of a page spent most of its time evaluating.
  resolve: {
    alias: [
      { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
      { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
      { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-runtime' },
      { find: /^react-dom$/, replacement: 'preact/compat' },
      { find: /^react$/, replacement: 'preact/compat' },
    ],
  },
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
