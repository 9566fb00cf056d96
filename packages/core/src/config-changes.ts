import type { PublishChange } from './dials-options.js';
import { DialsError } from './errors.js';
import { decodeValue } from './internal/decode.js';
import type { KeyChange } from './publish.js';
import type { StandardSchemaV1 } from './schema.js';
import { holdsSecret, shownValue } from './secrets.js';

/**
 * `{ path: value }` (undefined deletes) or a list of changes, as full keys under `prefix`, each
 * value validated by its path's schema first: one refused value refuses them all, naming it.
 */
export function configChanges(
  prefix: string,
  changes: Readonly<Record<string, unknown>> | readonly PublishChange[],
  schemaOf: (path: string) => StandardSchemaV1 | undefined,
): KeyChange[] {
  const list: readonly PublishChange[] = Array.isArray(changes)
    ? (changes as readonly PublishChange[])
    : Object.entries(changes).map(([path, value]) => (value === undefined ? { path, delete: true as const } : { path, value }));
  return list.map((change) => {
    const key = prefix + change.path;
    if ('delete' in change) return { key, after: undefined };
    const raw = 'raw' in change ? change.raw : JSON.stringify(change.value);
    if (raw === undefined) throw new DialsError('INVALID_VALUE', `publish: ${key} has no JSON form`, { key });
    const decoded = decodeValue(raw, schemaOf(change.path));
    if (!decoded.ok) {
      const issues = decoded.issues.map((i) => i.message).join('; ');
      throw new DialsError(
        'INVALID_VALUE',
        `publish refused: ${key} = ${shownValue(key, raw)} fails its schema (${issues}). Nothing was written.`,
        {
          key,
          ...(holdsSecret(key, raw) ? {} : { raw }),
          issues: decoded.issues,
        },
      );
    }
    return { key, after: raw };
  });
}
