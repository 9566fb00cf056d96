import { DialsError, type DialsErrorDetails } from '../errors.js';
import { holdsSecret, isSecretPath, redactRaw, shownValue } from '../secrets.js';
import type { RefusedKey } from '../types.js';
import { clipRaw } from './decode.js';

// What a refused key is reported as: the error for errors$ and the refusal for the fleet report,
// with secret values shown redacted and never kept raw.

type Secrets = readonly (string | RegExp)[];
type Issue = NonNullable<DialsErrorDetails['issues']>[number];

/** `raw` at `key` fails its schema; `kept` is the last good raw value, if any. */
export function invalidValue(
  path: string,
  key: string,
  raw: string,
  found: readonly Issue[],
  kept: string | undefined,
  secrets: Secrets,
): { refusal: RefusedKey; error: DialsError } {
  const issues = found.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
  const show = (text: string) => shownValue(path, text, secrets);
  const stays = kept !== undefined ? `the last good value ${show(kept)} stays in force` : 'the key stays unset';
  const error = new DialsError('INVALID_VALUE', `Config value at ${key} failed its schema (${issues}): got ${show(raw)}; ${stays}.`, {
    key,
    raw: holdsSecret(path, raw, secrets) ? undefined : raw,
    issues: found,
  });
  const refusal: RefusedKey = {
    path,
    key,
    reason: 'invalid',
    message: issues,
    kept: kept !== undefined,
    ...(isSecretPath(path, secrets) ? {} : { raw: clipRaw(redactRaw(path, raw, secrets)) }),
  };
  return { refusal, error };
}

/** A key the schema requires was deleted; `kept` is its last good raw value, which stays. */
export function deletedRequired(path: string, key: string, kept: string, secrets: Secrets): { refusal: RefusedKey; error: DialsError } {
  const error = new DialsError(
    'INVALID_VALUE',
    `Config key ${key} was deleted, but its schema requires a value (it has no default): the last good value ${shownValue(path, kept, secrets)} stays in force. Set it again, or give the schema a default or .optional().`,
    { key },
  );
  return { refusal: { path, key, reason: 'deleted', message: 'deleted, but the schema requires a value (no default)', kept: true }, error };
}
