/**
 * The key or prefix in a console location after `/<view>/`, unescaped, with its leading `/` back
 * unless `rooted` is false (files). Shared by the page's router and the server's preloads, so both
 * read a URL the same way.
 */
export function restOf(path: string, view: string, rooted: boolean): string {
  const rest = path.slice(view.length + 2);
  let decoded = rest;
  try {
    decoded = rest
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    // a malformed escape: take it as it is
  }
  return rooted && decoded !== '' ? `/${decoded}` : decoded;
}
