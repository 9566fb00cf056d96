import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { duplicateJsonKey, flattenDocument } from '@dials/core';
import { flagSetEntries, validateFlagDefinition } from '@dials/flags';
import { parse as parseYaml } from 'yaml';
import { DataError } from '../output.js';
import { readEnv } from './env.js';

/** Read a file of config (JSON, YAML, .env) or a flagd flag set into `path → JSON text` entries. */
export function readEntries(file: string, kind: 'auto' | 'config' | 'flags' = 'auto'): { entries: Map<string, string>; flags: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.env' || file.endsWith('/.env') || file === '.env') {
    try {
      return { entries: readEnv(text), flags: false };
    } catch (error) {
      throw new DataError(`${file}: ${(error as Error).message}`);
    }
  }
  let document: unknown;
  try {
    document = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new DataError(`cannot parse ${file}: ${(error as Error).message}`);
  }
  // JSON.parse keeps the last of two equal keys; YAML refuses them itself.
  const twice = ext === '.json' ? duplicateJsonKey(text) : undefined;
  if (twice !== undefined) throw new DataError(`${file}: the key ${twice} appears twice; nothing was written`);
  // A flagd flag set has a top-level `flags` object (not an array: export may write a key `flags` holding one).
  const flagsValue =
    typeof document === 'object' && document !== null && Object.hasOwn(document, 'flags')
      ? (document as { flags: unknown }).flags
      : undefined;
  const looksLikeFlags = typeof flagsValue === 'object' && flagsValue !== null && !Array.isArray(flagsValue);
  if (kind === 'flags' || (kind === 'auto' && looksLikeFlags)) {
    const entries = new Map(flagSetEntries(document));
    const evaluators = entries.has('$evaluators') ? (JSON.parse(entries.get('$evaluators') as string) as Record<string, unknown>) : {};
    for (const [key, value] of entries) {
      if (key === '$evaluators') continue;
      try {
        validateFlagDefinition(key, JSON.parse(value), evaluators);
      } catch (error) {
        throw new DataError(`${file}: flag ${key} is invalid: ${(error as Error).message}`);
      }
    }
    return { entries, flags: true };
  }
  try {
    return { entries: new Map(flattenDocument(document)), flags: false };
  } catch (error) {
    throw new DataError(`${file}: ${(error as Error).message}`);
  }
}
