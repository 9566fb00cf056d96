import { namespaceOf, type Release, redactRaw } from '@dials/core';
import type { ReleaseSummary } from '../../api/contract.js';

/** A key's release namespace, as the CLI names it: its first three segments (`config/shop/dev`). */
export function namespaceForKey(key: string): string {
  return namespaceOf(key.split('/').filter(Boolean).slice(0, 3).join('/'));
}

/** A release as the UI shows it: secrets stay redacted. */
export function summary(release: Release): ReleaseSummary {
  return {
    id: release.id,
    namespace: release.namespace,
    author: release.author,
    message: release.message,
    at: release.at,
    revision: release.revision,
    ...(release.state ? { state: release.state } : {}),
    ...(release.rollbackOf ? { rollbackOf: release.rollbackOf } : {}),
    ...(release.forced ? { forced: true } : {}),
    changes: release.changes.map((c) => ({
      key: c.key,
      ...(c.before === undefined ? {} : { before: redactRaw(c.key, c.before) }),
      ...(c.after === undefined ? {} : { after: redactRaw(c.key, c.after) }),
    })),
  };
}
