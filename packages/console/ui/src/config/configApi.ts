import { KeyView, SearchResult, Tree, type WriteKey, WriteResult } from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';
import { writeOrDraft } from '../changes/changesApi.ts';

/** Every HTTP call of the Config view. */

/** The next level under `prefix` only: a namespace of 10 000 keys loads as it is opened. */
export const loadTree = (prefix: string) => call(Tree, `/tree${query({ prefix })}`);

const early = new Map<string, { tree: Promise<Tree>; at: number; arrived?: Tree }>();

/**
 * Start loading the folders on the way to a linked key at once, side by side, rather than each
 * after its parent arrived. Each is taken once, within a few seconds, by the folder that opens.
 */
export function prefetchTrees(prefixes: readonly string[]): void {
  for (const prefix of prefixes) {
    if (early.has(prefix)) continue;
    const tree = loadTree(prefix);
    const entry: { tree: Promise<Tree>; at: number; arrived?: Tree } = { tree, at: Date.now() };
    tree.then((arrived) => (entry.arrived = arrived)).catch(() => undefined);
    early.set(prefix, entry);
  }
}

/**
 * A prefetched level that has already arrived, taken once: a folder opening on a deep link renders
 * it at once, so the folders on the way to the key paint together rather than one render each.
 */
export function takeArrivedTree(prefix: string): Tree | undefined {
  const prefetched = early.get(prefix);
  if (!prefetched?.arrived || Date.now() - prefetched.at >= 5_000) return undefined;
  early.delete(prefix);
  return prefetched.arrived;
}

/** A folder's level: prefetched if it was, just now, else asked for. */
export function loadTreeOnce(prefix: string): Promise<Tree> {
  const prefetched = early.get(prefix);
  early.delete(prefix);
  return prefetched && Date.now() - prefetched.at < 5_000 ? prefetched.tree : loadTree(prefix);
}

export const searchKeys = (q: string, root: string) => call(SearchResult, `/search${query({ q, root })}`);

/** A key with its rules and history; secrets redacted unless `reveal` (and etcd lets this user read it). */
export const loadKey = (key: string, reveal: boolean) => call(KeyView, `/key${query({ key, reveal: reveal ? '1' : undefined })}`);

/** A write's release; undefined when the namespace requires approval (the page went to the change request drafted instead). */
export const writeKey = (write: WriteKey) => writeOrDraft(WriteResult, '/key', { method: 'PUT', body: write });

export const deleteKey = (key: string) => writeOrDraft(WriteResult, `/key${query({ key })}`, { method: 'DELETE' });
