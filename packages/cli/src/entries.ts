import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { flattenDocument, type KeyValue } from '@dials/core';
import { flagSetEntries, validateFlagDefinition } from '@dials/flags';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { UsageError } from './output.js';

/** Read a file of config (JSON, YAML, .env) or a flagd flag set into `path → JSON text` entries. */
export function readEntries(file: string, kind: 'auto' | 'config' | 'flags' = 'auto'): { entries: Map<string, string>; flags: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.env' || file.endsWith('/.env') || file === '.env') return { entries: readEnv(text), flags: false };
  let document: unknown;
  try {
    document = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(`cannot parse ${file}: ${(error as Error).message}`);
  }
  const looksLikeFlags =
    typeof document === 'object' && document !== null && 'flags' in document && typeof (document as { flags: unknown }).flags === 'object';
  if (kind === 'flags' || (kind === 'auto' && looksLikeFlags)) {
    const entries = new Map(flagSetEntries(document));
    const evaluators = entries.has('$evaluators') ? (JSON.parse(entries.get('$evaluators') as string) as Record<string, unknown>) : {};
    for (const [key, value] of entries) {
      if (key === '$evaluators') continue;
      try {
        validateFlagDefinition(key, JSON.parse(value), evaluators);
      } catch (error) {
        throw new UsageError(`${file}: flag ${key} is invalid: ${(error as Error).message}`);
      }
    }
    return { entries, flags: true };
  }
  try {
    return { entries: new Map(flattenDocument(document)), flags: false };
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
}

/** `DATABASE__HOST=db` → `database/host` = `"db"` (a double underscore nests). */
function readEnv(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new UsageError(`not a KEY=VALUE line: ${line}`);
    let value = match[2] as string;
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    entries.set((match[1] as string).toLowerCase().split('__').join('/'), JSON.stringify(value));
  }
  return entries;
}

/** Stored text to a value: JSON when it parses, else the plain text. */
export function decode(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

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

export function formatDocument(document: Record<string, unknown>, format: string, kvs: readonly KeyValue[], prefix: string): string {
  if (format === 'json') return JSON.stringify(document, null, 2);
  if (format === 'yaml') return stringifyYaml(document).trimEnd();
  if (format === 'env') {
    return kvs
      .map((kv) => {
        const value = decode(kv.value);
        return `${kv.key.slice(prefix.length).split('/').join('__').toUpperCase()}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
      })
      .join('\n');
  }
  throw new UsageError(`unknown format ${format}: json, yaml or env`);
}

export interface Plan {
  readonly put: [string, string][];
  readonly remove: string[];
  readonly same: number;
}

/** What makes `current` (full keys under `prefix`) equal `wanted` (paths). */
export function plan(wanted: ReadonlyMap<string, string>, current: readonly KeyValue[], prefix: string, remove: boolean): Plan {
  const existing = new Map(current.map((kv) => [kv.key.slice(prefix.length), kv.value]));
  const put: [string, string][] = [];
  let same = 0;
  for (const [path, value] of wanted) {
    if (existing.get(path) === value) same++;
    else put.push([path, value]);
  }
  const removeList = remove ? [...existing.keys()].filter((path) => !wanted.has(path)) : [];
  return { put, remove: removeList, same };
}
