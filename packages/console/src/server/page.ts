import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { restOf } from '../api/paths.js';

/**
 * The built UI (`vite build` writes it to `dist/ui`): beside the built `dist/index.js`, or from the
 * sources (`src/server/page.ts`, as the tests run it) in the package's `dist/ui`.
 */
export function uiDirectory(): string | undefined {
  for (const candidate of ['./ui', '../../dist/ui']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}/index.html`)) return dir;
  }
  return undefined;
}

/** The UI's page, its asset paths and `dials-base` meta moved from `/console/` (where it is built for) to `basePath`. */
export function uiPage(dir: string, basePath: string): string {
  const html = readFileSync(`${dir}/index.html`, 'utf8');
  return basePath === '/console' ? html : html.replaceAll('"/console/', `"${basePath}/`);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page with its first reads started while its script loads: `<link rel="preload" as="fetch">`
 * for the session and, on a Config URL, for each level of the tree on the way to the key (the
 * page's own requests then take these answers). A namespace of 10 000 keys thus paints its tree
 * about when the script has run, rather than a session and a tree read after it.
 */
export function withPreloads(page: string, basePath: string, path: string, configRoots: readonly string[]): string {
  const api = `${basePath}/api`;
  const urls = [`${api}/session`];
  if (path === '/config' || path.startsWith('/config/')) {
    const selected = restOf(path, 'config', !configRoots.includes(''));
    for (const root of configRoots) {
      const segments = selected.startsWith(root) ? selected.slice(root.length).split('/').slice(0, -1) : [];
      const prefixes = [root, ...segments.map((_, i) => `${root}${segments.slice(0, i + 1).join('/')}/`)];
      for (const prefix of prefixes) urls.push(`${api}/tree?${new URLSearchParams({ prefix })}`);
    }
  }
  const links = urls.map((url) => `<link rel="preload" href="${escapeHtml(url)}" as="fetch" crossorigin />`).join('\n    ');
  return page.replace('</head>', `  ${links}\n  </head>`);
}
