import { DialsError } from '../errors.js';
import type { StandardSchemaV1 } from '../schema.js';
import { holdsSecret, shownValue } from '../secrets.js';
import type { Source } from '../types.js';
import { decodeValue } from './decode.js';

interface Entry {
  value: unknown;
  fetchedAt: number;
  pending: Promise<unknown> | undefined;
}

/**
 * Keys read on demand, outside the watched prefixes: cached for the TTL, stale-while-revalidate
 * (an expired entry answers at once and is refreshed in the background; a failed refresh keeps it
 * and is reported).
 */
export class FetchCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly source: Source,
    private readonly ttlMs: number,
    private readonly report: (error: DialsError) => void,
  ) {}

  async fetch<TValue>(key: string, schema: StandardSchemaV1<unknown, TValue> | undefined): Promise<TValue | undefined> {
    const entry = this.entries.get(key);
    if (entry && !entry.pending && Date.now() - entry.fetchedAt > this.ttlMs) {
      entry.pending = this.read(key, schema).then(
        (value) => {
          entry.value = value;
          entry.fetchedAt = Date.now();
          return value;
        },
        (error: unknown) => this.report(error as DialsError),
      );
      entry.pending.finally(() => {
        entry.pending = undefined;
      });
    }
    if (entry && entry.fetchedAt > 0) return entry.value as TValue | undefined;
    if (entry?.pending) return (await entry.pending) as TValue | undefined;
    const fresh: Entry = { value: undefined, fetchedAt: 0, pending: undefined };
    fresh.pending = this.read(key, schema);
    this.entries.set(key, fresh);
    try {
      fresh.value = await fresh.pending;
      fresh.fetchedAt = Date.now();
      return fresh.value as TValue | undefined;
    } catch (error) {
      this.entries.delete(key);
      throw error;
    } finally {
      fresh.pending = undefined;
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private async read(key: string, schema: StandardSchemaV1 | undefined): Promise<unknown> {
    const kv = await this.source.get(key);
    if (!kv) return undefined;
    const decoded = decodeValue(kv.value, schema);
    if (!decoded.ok) {
      throw new DialsError(
        'INVALID_VALUE',
        `Value at ${key} failed its schema (${decoded.issues.map((i) => i.message).join('; ')}): got ${shownValue(key, kv.value)}`,
        {
          key,
          ...(holdsSecret(key, kv.value) ? {} : { raw: kv.value }),
          issues: decoded.issues,
        },
      );
    }
    return decoded.value;
  }
}
