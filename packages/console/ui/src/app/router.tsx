import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';
import { base } from './api.ts';

/**
 * The console's routes are its URLs: `/console/config/<key>`, `/console/flags/<prefix>` and so on,
 * each one shareable and each working on reload (the server answers every path with the page).
 * A few lines on the History API; nothing else needs a router.
 */
const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};
window.addEventListener('popstate', notify);

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** The path inside the console (`/config/...`) and the query string. */
export const current = () => `${window.location.pathname.slice(base.length - 1) || '/'}${window.location.search}`;

/** Go to `to` (a path inside the console, `/flags/...`). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = base + to.replace(/^\//, '');
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  notify();
}

/** The current location inside the console, re-rendering on every change. */
export function useLocation(): { path: string; params: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, current);
  const [path = '/', search = ''] = href.split('?');
  return { path, params: new URLSearchParams(search) };
}

/**
 * A key or prefix as the rest of a console path (`/config/shop/dev/` → `config/shop/dev/`), each
 * segment escaped. etcd keys start with `/`; the files' keys (a root of `''`) do not.
 */
export function encodePath(keyOrPrefix: string): string {
  return keyOrPrefix
    .replace(/^\//, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

export { restOf } from '../../../src/api/paths.ts';

/** A link inside the console: a real `<a href>` (opens in a new tab too), routed in the page on a plain click. */
export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...props} href={base + to.replace(/^\//, '')} onClick={onClick} />;
}
