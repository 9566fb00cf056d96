import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DialsError, messageOf } from '../errors.js';

/** What the last-known-good file holds: the raw text of every key, per layer prefix. */
export interface SnapshotFileContent {
  readonly format: 'dials-snapshot/1';
  readonly source: string;
  readonly revision: number;
  readonly writtenAt: string;
  readonly layers: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * Read a snapshot file. Resolves undefined when there is none; rejects with a SNAPSHOT error
 * when it is unreadable, corrupt, or written for other prefixes.
 */
export async function readSnapshotFile(file: string, prefixes: readonly string[]): Promise<SnapshotFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DialsError('SNAPSHOT', `Cannot read snapshot file ${file}: ${messageOf(error)}`, { endpoint: file, cause: error });
  }
  const bad = (why: string) =>
    new DialsError('SNAPSHOT', `Ignoring snapshot file ${file}: ${why}. It will be rewritten from the source.`, { endpoint: file });
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw bad(`it is not valid JSON (${messageOf(error)})`);
  }
  if (!isContent(content)) throw bad('it is not a Dials snapshot');
  const missing = prefixes.filter((p) => !Object.hasOwn(content.layers, p));
  if (missing.length > 0) throw bad(`it was written for other prefixes (no ${missing.join(', ')})`);
  return content;
}

function isContent(value: unknown): value is SnapshotFileContent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.format !== 'dials-snapshot/1' || typeof v.revision !== 'number' || typeof v.layers !== 'object' || v.layers === null) return false;
  for (const layer of Object.values(v.layers)) {
    if (typeof layer !== 'object' || layer === null) return false;
    for (const raw of Object.values(layer)) if (typeof raw !== 'string') return false;
  }
  return true;
}

/** Write the file atomically: a reader (or a crash) never sees half of it. */
export async function writeSnapshotFile(file: string, content: SnapshotFileContent): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(content), { mode: 0o600 });
  await rename(tmp, file);
}
