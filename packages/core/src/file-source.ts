import { type FSWatcher, watch as fsWatch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DialsError, messageOf } from './errors.js';
import { duplicateJsonKey } from './internal/json-duplicates.js';
import { KvStore } from './internal/kv-store.js';
import { storeSource } from './memory-source.js';
import type { Source } from './types.js';

export interface FileSourceOptions {
  /** Key prefix the document is mounted at: `{database: {host}}` becomes `<prefix>database/host`. Default `''`. */
  readonly prefix?: string;
  /** Re-read the file when it changes on disk. Default true. */
  readonly watch?: boolean;
  /** How long to let a burst of writes settle before re-reading, in ms. Default 20. */
  readonly debounceMs?: number;
  /**
   * Turn the parsed document into keys (relative to `prefix`) and values (JSON text).
   * Default: nested objects become key paths joined with `/`; every other value is a leaf.
   */
  readonly toEntries?: (document: unknown) => Iterable<readonly [string, string]>;
}

/**
 * A JSON or YAML file as a source, re-read when it changes on disk: for local development and
 * embedded use. A nested document maps to key paths (`database.host` → `database/host`); each
 * successful re-read is one revision. A broken edit is reported on `errors$` and the last good
 * content stays.
 *
 * @example
 * const dials = createDials({ source: fileSource('config/dials.yaml'), prefix: '' });
 */
export function fileSource(path: string, options: FileSourceOptions = {}): Source {
  const file = resolve(path);
  const prefix = options.prefix ?? '';
  const toEntries = options.toEntries ?? flattenDocument;
  const store = new KvStore(file);
  let watcher: FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let loaded: Promise<void> | undefined;
  let lastError = '';

  const load = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new DialsError('UNAVAILABLE', `Cannot read config file ${file}: ${messageOf(error)}`, {
        endpoint: file,
        cause: error,
      });
    }
    let entries: Map<string, string>;
    try {
      const document = parseDocument(file, text);
      entries = new Map();
      for (const [key, value] of toEntries(document)) entries.set(prefix + key, value);
    } catch (error) {
      throw new DialsError('PARSE_ERROR', `Cannot parse config file ${file}: ${messageOf(error)}. The last good content stays in force.`, {
        endpoint: file,
        cause: error,
      });
    }
    store.replace(prefix, entries);
  };

  const reload = () => {
    timer = undefined;
    load().then(
      () => {
        lastError = '';
      },
      (error: DialsError) => {
        // An editor that replaces the file leaves a moment with no file: the next event re-reads.
        if (error.message === lastError) return;
        lastError = error.message;
        store.reportError(error);
      },
    );
  };

  const startWatching = () => {
    if (options.watch === false || watcher) return;
    // Watch the directory, not the file: editors replace the file, and a watch on the old inode goes deaf.
    watcher = fsWatch(dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? 20);
    });
    watcher.on('error', (error) =>
      store.reportError(new DialsError('UNAVAILABLE', `Watching ${file} failed: ${messageOf(error)}`, { endpoint: file, cause: error })),
    );
  };

  return storeSource('file', file, store, {
    connect: () => {
      loaded ??= load().then(startWatching, (error) => {
        loaded = undefined;
        throw error;
      });
      return loaded;
    },
    close: () => {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  });
}

function parseDocument(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    const document: unknown = JSON.parse(text);
    const twice = duplicateJsonKey(text);
    if (twice !== undefined) throw new DialsError('PARSE_ERROR', `the key ${twice} appears twice`, { key: twice, endpoint: file });
    return document;
  }
  return parseYaml(text);
}

/**
 * `{a: {b: 1}, c: [1]}` → `a/b` = `1`, `c` = `[1]`. Values are JSON text. Two values for one path
 * (`{"a/b": 1, "a": {"b": 2}}`) are refused, naming it: which one would win is not for us to guess.
 */
export function* flattenDocument(document: unknown): Generator<readonly [string, string]> {
  const seen = new Set<string>();
  for (const entry of flatten(document, '')) {
    if (seen.has(entry[0]))
      throw new DialsError('PARSE_ERROR', `the document gives ${entry[0]} twice (as "a/b" and as a: {b}?)`, { key: entry[0] });
    seen.add(entry[0]);
    yield entry;
  }
}

function* flatten(document: unknown, path: string): Generator<readonly [string, string]> {
  if (document === null || document === undefined) return;
  if (typeof document !== 'object' || Array.isArray(document)) {
    if (path === '') throw new DialsError('PARSE_ERROR', 'the document must be an object of keys');
    yield [path, JSON.stringify(document)];
    return;
  }
  for (const [name, value] of Object.entries(document)) yield* flatten(value, path === '' ? name : `${path}/${name}`);
}
