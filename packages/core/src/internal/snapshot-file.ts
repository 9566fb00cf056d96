import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { asDialsError, DialsError, messageOf } from '../errors.js';
import type { ConfigState } from './config-state.js';

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
  if (v.format !== 'dials-snapshot/1' || !Number.isSafeInteger(v.revision) || (v.revision as number) < 0) return false;
  if (typeof v.layers !== 'object' || v.layers === null) return false;
  for (const layer of Object.values(v.layers)) {
    if (typeof layer !== 'object' || layer === null) return false;
    for (const raw of Object.values(layer)) if (typeof raw !== 'string') return false;
  }
  return true;
}

/** Write the file atomically: a reader (or a crash) never sees half of it. */
/** Put the last known good values of `file` into `state`; true when it had them. A broken file is reported, not thrown. */
export async function restoreSnapshot(
  file: string,
  prefixes: readonly string[],
  state: ConfigState,
  report: (error: DialsError) => void,
): Promise<boolean> {
  try {
    const content = await readSnapshotFile(file, prefixes);
    if (!content) return false;
    state.restore(content.layers, content.revision);
    return true;
  } catch (error) {
    report(asDialsError(error, 'SNAPSHOT', { endpoint: file }));
    return false;
  }
}

export async function writeSnapshotFile(file: string, content: SnapshotFileContent): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(content), { mode: 0o600 });
    await rename(tmp, file);
  } catch (error) {
    // A full disk leaves half a temporary file: remove it, the old snapshot stays.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** How long a burst of changes may settle before the file is written. */
export const SNAPSHOT_WRITE_DELAY_MS = 100;

/** Writes the snapshot file after changes, at most once per 100 ms, one write at a time. */
export class SnapshotWriter {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly source: string,
    private readonly state: ConfigState,
    private readonly omit: (path: string, raw: string) => boolean,
    private readonly report: (error: DialsError) => void,
  ) {}

  /** Something changed: write soon, coalescing with what else changes meanwhile. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, SNAPSHOT_WRITE_DELAY_MS);
    this.timer.unref?.();
  }

  /** Write now what is scheduled, and wait for every write to finish. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.write();
    }
    await this.writing;
  }

  private write(): void {
    const content: SnapshotFileContent = {
      format: 'dials-snapshot/1',
      source: this.source,
      revision: this.state.revision,
      writtenAt: new Date().toISOString(),
      layers: this.state.rawLayers(this.omit),
    };
    this.writing = this.writing
      .then(() => writeSnapshotFile(this.file, content))
      .catch((error: unknown) =>
        this.report(
          new DialsError('SNAPSHOT', `Cannot write snapshot file ${this.file}: ${messageOf(error)}`, { endpoint: this.file, cause: error }),
        ),
      );
  }
}
