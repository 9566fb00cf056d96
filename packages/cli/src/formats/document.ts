import type { KeyValue } from '@dials/core';
import { stringify as stringifyYaml } from 'yaml';
import { decode } from '../args.js';
import { UsageError } from '../output.js';

/** Keys under `prefix` as a nested document (`a/b` → `{a: {b}}`). */
export function toDocument(kvs: readonly KeyValue[], prefix: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const kv of kvs) {
    const parts = kv.key
      .slice(prefix.length)
      .split('/')
      .filter((p) => p !== '');
    const leaf = parts.pop();
    if (leaf === undefined) continue;
    let node = root;
    for (const part of parts) {
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[leaf] = decode(kv.value);
  }
  return root;
}

export function formatDocument(document: Record<string, unknown>, format: string): string {
  if (format === 'json') return JSON.stringify(document, null, 2);
  if (format === 'yaml') return stringifyYaml(document).trimEnd();
  throw new UsageError(`unknown format ${format}: json, yaml or env`);
}
