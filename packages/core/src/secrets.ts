import { clip } from './internal/decode.js';

/**
 * Names that hold secrets by convention, tested on a key's last segment and on the field names
 * inside a JSON value: `password`, `db_password`, `passwd`, `pwd`, `secret`, `client-secret`,
 * `token`, `apiKey`, `api_key`, `access_key`, `private_key`, `credentials`, `dsn`,
 * `connection_string`, and any name ending in `key` after a separator (`stripe_key`,
 * `jwt-signing-key`, `encryption.key`). Their values are redacted in errors, CLI output and release
 * records, and never written to the snapshot file.
 */
export const DEFAULT_SECRET_PATTERN =
  /(password|passwd|pwd|secret|token|private[-_]?key|api[-_]?key|access[-_]?key|credential|^dsn$|[-_.]dsn$|connection[-_]?string|[-_.]key$|^key$)/i;

/** The default rules: the pattern above, and camelCase names ending in `Key` (`stripeKey`, `signingKey`). */
export const DEFAULT_SECRETS: readonly (string | RegExp)[] = [DEFAULT_SECRET_PATTERN, /[a-z0-9]Key$/];

export const REDACTED = '<redacted>';

/** `scheme://user:password@host`: the password of a URL inside any text. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s@/?#]+)(@)/gi;

function secretName(name: string, secrets: readonly (string | RegExp)[]): boolean {
  for (const secret of secrets) if (typeof secret !== 'string' && secret.test(name)) return true;
  return false;
}

/** Whether `path` (or a full key) names a secret: its last segment matches a pattern, or it is listed. */
export function isSecretPath(path: string, secrets: readonly (string | RegExp)[] = DEFAULT_SECRETS): boolean {
  const leaf = path.slice(path.lastIndexOf('/') + 1);
  for (const secret of secrets) {
    if (typeof secret === 'string' ? secret === path || path.endsWith(`/${secret}`) : secret.test(leaf)) return true;
  }
  return false;
}

/** `text` with the password of every URL in it redacted (`postgres://app:<redacted>@db/shop`). */
function maskUrls(text: string): string {
  return text.includes('://') ? text.replace(URL_PASSWORD, `$1${REDACTED}$3`) : text;
}

/** A JSON value with secret fields and URL passwords redacted; the same object when nothing was. */
function redactJson(value: unknown, secrets: readonly (string | RegExp)[], depth: number): unknown {
  if (typeof value === 'string') return maskUrls(value);
  if (typeof value !== 'object' || value === null || depth > 64) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => redactJson(item, secrets, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    const next = secretName(name, secrets) ? REDACTED : redactJson(field, secrets, depth + 1);
    if (next !== field) changed = true;
    Object.defineProperty(out, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return changed ? out : value;
}

/**
 * The raw text of `path` as it may be shown: `<redacted>` for a secret key; otherwise the same
 * text with secret fields of a JSON object (`{"user":"app","password":"<redacted>"}`) and the
 * passwords of URLs in it (a DSN) redacted. Unchanged when it holds no secret.
 */
export function redactRaw(path: string, raw: string, secrets: readonly (string | RegExp)[] = DEFAULT_SECRETS): string {
  if (isSecretPath(path, secrets)) return REDACTED;
  const first = raw.trimStart()[0];
  if (first === '{' || first === '[' || first === '"') {
    try {
      const parsed: unknown = JSON.parse(raw);
      const redacted = redactJson(parsed, secrets, 0);
      return redacted === parsed ? raw : JSON.stringify(redacted);
    } catch {
      // not JSON: plain text, below
    }
  }
  return maskUrls(raw);
}

/** A value for a message: `<redacted>` for a secret key, else quoted once, clipped, secrets inside it redacted. */
export function shownValue(path: string, raw: string, secrets: readonly (string | RegExp)[] = DEFAULT_SECRETS): string {
  return isSecretPath(path, secrets) ? REDACTED : clip(redactRaw(path, raw, secrets));
}

/** Whether showing `raw` at `path` would show a secret (a secret key, a secret field, a URL password). */
export function holdsSecret(path: string, raw: string, secrets: readonly (string | RegExp)[] = DEFAULT_SECRETS): boolean {
  return redactRaw(path, raw, secrets) !== raw;
}
