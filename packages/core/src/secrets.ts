/**
 * Leaf names that hold secrets by convention: `password`, `db_password`, `apiKey`, `token`,
 * `client-secret`, `private_key`, `credentials`. Their values are redacted in errors and CLI
 * output and are never written to the snapshot file.
 */
export const DEFAULT_SECRET_PATTERN = /(password|passwd|secret|token|private[-_]?key|api[-_]?key|credential)/i;

/** Whether `path` (or a full key) names a secret: its last segment matches a pattern, or it is listed. */
export function isSecretPath(path: string, secrets: readonly (string | RegExp)[] = [DEFAULT_SECRET_PATTERN]): boolean {
  const leaf = path.slice(path.lastIndexOf('/') + 1);
  for (const secret of secrets) {
    if (typeof secret === 'string' ? secret === path || path.endsWith(`/${secret}`) : secret.test(leaf)) return true;
  }
  return false;
}

export const REDACTED = '<redacted>';
