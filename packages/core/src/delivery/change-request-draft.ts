import { DialsError } from '../errors.js';
import { checkWrites, describeRefusals } from '../fleet/schema-check.js';
import { inNamespace, namespaceOf } from '../releases.js';
import { REDACTED } from '../secrets.js';
import type { KeyValue, Source } from '../types.js';
import type { ChangeRequestChange } from './change-request.js';

/** A change to put in a request: a full key, and its new value (undefined deletes it). */
export interface DraftChange {
  readonly key: string;
  readonly after: string | undefined;
  /** `after` is bytes that are not UTF-8, one per character (as `KeyValue.binary`). */
  readonly binary?: boolean;
}

/** How many times the base is read again when a key moved while it was read. */
const READS = 5;
/** Keys read at once: a request of thousands of keys is read in seconds, without a flood of requests. */
const PARALLEL = 64;

/**
 * Check a request's changes (in `namespace`, given once, not under Dials' own `/dials/`, not the
 * redaction placeholder, and what the apps' registered schemas accept) and read what each key
 * holds now, at one revision: the request's base. A key that moves while they are read makes the
 * whole read start again, so every `before` is the key's value at `baseRevision`.
 */
export async function draftChanges(
  source: Source,
  namespace: string,
  changes: readonly DraftChange[],
): Promise<{ baseRevision: number; changes: ChangeRequestChange[] }> {
  const ns = namespaceOf(namespace);
  if (changes.length === 0) throw new DialsError('INVALID_ARGUMENT', `A change request to ${ns} needs at least one change`);
  const seen = new Set<string>();
  for (const change of changes) {
    const key = change.key;
    if (typeof key !== 'string' || key === '') throw new DialsError('INVALID_ARGUMENT', 'A change request change needs a key');
    if (seen.has(key)) throw new DialsError('INVALID_ARGUMENT', `${key} is given twice in the change request`, { key });
    seen.add(key);
    if (!inNamespace(key, ns)) throw new DialsError('INVALID_ARGUMENT', `${key} lies outside namespace ${ns}`, { key });
    if (key.startsWith('/dials/'))
      throw new DialsError('INVALID_ARGUMENT', `${key} is one of Dials' own keys, not changed by requests`, { key });
    if (change.after !== undefined && typeof change.after !== 'string')
      throw new DialsError('INVALID_VALUE', `${key}: a value must be text (JSON text, as stored)`, { key });
    if (change.after === REDACTED || change.after === JSON.stringify(REDACTED)) {
      throw new DialsError('INVALID_VALUE', `Refusing the redaction placeholder ${JSON.stringify(REDACTED)} as the value of ${key}`, {
        key,
      });
    }
  }
  // A request that no app would accept cannot be applied: say so now, not after its review.
  const refused = await checkWrites(source, changes);
  if (refused.length > 0) {
    throw new DialsError('INVALID_VALUE', `Change request refused by the apps' schemas: ${describeRefusals(refused, changes)}`, {
      key: refused[0]?.key,
      refused,
    });
  }
  for (let attempt = 0; attempt < READS; attempt++) {
    const baseRevision = (await source.list(`/dials/changes/${ns}/\u0000`)).revision;
    const now = new Map<string, KeyValue | undefined>();
    for (let start = 0; start < changes.length; start += PARALLEL) {
      const slice = changes.slice(start, start + PARALLEL);
      const read = await Promise.all(slice.map((c) => source.get(c.key)));
      slice.forEach((c, i) => {
        now.set(c.key, read[i]);
      });
    }
    if ([...now.values()].some((kv) => kv !== undefined && kv.modRevision > baseRevision)) continue;
    return {
      baseRevision,
      changes: changes.map((c) => {
        const was = now.get(c.key);
        return {
          key: c.key,
          ...(was ? { before: was.value } : {}),
          ...(c.after === undefined ? {} : { after: c.after }),
          ...(c.binary ? { binary: true } : {}),
          ...(was?.binary ? { beforeBinary: true } : {}),
        };
      }),
    };
  }
  throw new DialsError('CONFLICT', `The keys of the change request to ${ns} kept changing while they were read; try again`, {
    key: changes[0]?.key,
  });
}
