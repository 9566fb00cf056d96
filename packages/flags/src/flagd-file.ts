import { DialsError, type FileSourceOptions, fileSource, type Source } from '@dials/core';
import { EVALUATORS_KEY } from './flags.js';

/**
 * The entries of a flagd flag-set document (`{ flags, $evaluators, metadata }`): one key per
 * flag holding that flag's JSON (the set's metadata merged under the flag's own), and the shared
 * rules under `$evaluators`. This is the layout `createFlags` reads, in etcd as on disk.
 * Throws a DialsError `PARSE_ERROR` when the document is not a flag set.
 */
export function* flagSetEntries(document: unknown): Generator<readonly [string, string]> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new DialsError('PARSE_ERROR', 'a flagd flag set must be an object');
  }
  const { flags, $evaluators, metadata } = document as { flags?: unknown; $evaluators?: unknown; metadata?: unknown };
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) {
    throw new DialsError('PARSE_ERROR', 'a flagd flag set needs a "flags" object');
  }
  const setMetadata = typeof metadata === 'object' && metadata !== null ? metadata : {};
  for (const [key, flag] of Object.entries(flags)) {
    const own = typeof flag === 'object' && flag !== null ? (flag as { metadata?: object }).metadata : undefined;
    const merged = Object.keys(setMetadata).length > 0 ? { ...(flag as object), metadata: { ...setMetadata, ...own } } : flag;
    yield [key, JSON.stringify(merged)];
  }
  if ($evaluators !== undefined) yield [EVALUATORS_KEY, JSON.stringify($evaluators)];
}

/**
 * A flagd flag file (JSON or YAML) as a source, re-read when it changes: bring your flagd files
 * for local development. Mount it at the prefix you give `createFlags` (default `''`).
 *
 * @example
 * const flags = createFlags({ source: flagdFileSource('flags.flagd.json'), prefix: '' });
 */
export function flagdFileSource(path: string, options: Omit<FileSourceOptions, 'toEntries'> = {}): Source {
  return fileSource(path, { ...options, toEntries: flagSetEntries });
}
