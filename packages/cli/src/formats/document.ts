import { buildConfigTree } from '@dials/core';

/**
 * Why a key cannot be nested, so goes flat at the top under its whole path (import's
 * flattenDocument reads `{"a//b": 1}` back as path `a//b`): an empty segment has no property
 * name; a key under another key (`a` and `a/b`) cannot share its node; and a top-level `flags`
 * object would make import read the file as a flagd flag set.
 */
function mustBeFlat(path: string, paths: ReadonlyMap<string, unknown>): boolean {
  const segments = path.split('/');
  if (segments.includes('')) return true;
  if (segments[0] === 'flags' && segments.length > 1) return true;
  for (let i = 1; i < segments.length; i++) if (paths.has(segments.slice(0, i).join('/'))) return true;
  return false;
}

/**
 * Relative paths → decoded values as one JSON or YAML document that `import` reads back as the
 * same paths: `database/host` nests as `{database: {host}}`, whatever the segment's name
 * (`__proto__` too: nodes have no prototype and every name is an own property). Paths a tree
 * cannot hold are written flat at the top level; their names contain `/`, so never clash.
 */
export function nestedDocument(entries: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const nested = new Map<string, unknown>();
  const flat: [string, unknown][] = [];
  for (const [path, value] of entries) {
    if (path === '') throw new Error('a key with an empty path has no place in a document');
    if (mustBeFlat(path, entries)) flat.push([path, value]);
    else nested.set(path, value);
  }
  const document: Record<string, unknown> = Object.create(null);
  for (const [name, value] of [...Object.entries(buildConfigTree(nested, { keepUnsafe: true })), ...flat]) {
    Object.defineProperty(document, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return document;
}

/** Paths whose value import would not give back as one key: a JSON object is split into its leaves, null is skipped. */
export function unfaithfulValues(entries: ReadonlyMap<string, unknown>): string[] {
  return [...entries].filter(([, value]) => value === null || (typeof value === 'object' && !Array.isArray(value))).map(([path]) => path);
}
