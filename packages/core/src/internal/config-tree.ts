const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** A path whose segments could reach an object's prototype when used as property names. */
export function isUnsafePath(path: string): boolean {
  // Most paths contain none of the words: answer without splitting.
  if (!path.includes('__proto__') && !path.includes('constructor') && !path.includes('prototype')) return false;
  for (const segment of path.split('/')) if (UNSAFE_SEGMENTS.has(segment)) return true;
  return false;
}

type Node = Record<string, unknown>;

export interface ConfigTreeOptions {
  /**
   * Keep `__proto__`, `constructor` and `prototype` segments as own properties (safe: every node
   * has a null prototype). For exporting every key; the app's `config` view leaves them out.
   */
  readonly keepUnsafe?: boolean;
}

/**
 * Build the nested, frozen object view of flat paths: `database/host` → `config.database.host`.
 * Nodes have no prototype and unsafe segments are left out unless `keepUnsafe` (they stay readable with `get()`),
 * so no config path can reach `Object.prototype`. When a path is both a value and a branch
 * (`a` and `a/b`), the branch wins.
 */
export function buildConfigTree(values: ReadonlyMap<string, unknown>, options: ConfigTreeOptions = {}): Readonly<Record<string, unknown>> {
  const root: Node = Object.create(null);
  const branches = new Set<Node>([root]);
  const keepUnsafe = options.keepUnsafe === true;
  for (const [path, value] of values) {
    if (!keepUnsafe && isUnsafePath(path)) continue;
    const segments = path.split('/').filter((s) => s !== '');
    const leaf = segments.pop();
    if (leaf === undefined) continue;
    let node = root;
    for (const segment of segments) {
      let next = node[segment];
      if (!(typeof next === 'object' && next !== null && branches.has(next as Node))) {
        next = Object.create(null) as Node;
        branches.add(next as Node);
        node[segment] = next;
      }
      node = next as Node;
    }
    const existing = node[leaf];
    if (!(typeof existing === 'object' && existing !== null && branches.has(existing as Node))) node[leaf] = value;
  }
  for (const node of branches) Object.freeze(node);
  return root;
}
