import { clusterStatus } from './capabilities.js';
import { configChanges } from './config-changes.js';
import { grayRelease } from './delivery/gray.js';
import type { PublishChange, PublishOptions } from './dials-options.js';
import { DialsError } from './errors.js';
import { type LockOptions, withLock } from './locks.js';
import { publishKeys } from './publish.js';
import { getRelease, type ListReleasesOptions, listReleases, namespaceOf, type Release } from './releases.js';
import { rollbackRelease } from './rollback.js';
import type { StandardSchemaV1 } from './schema.js';
import type { ClusterStatus, Source } from './types.js';

/**
 * What a Dials instance does to its source rather than reads from its snapshot: publish, history,
 * rollback, locks and cluster status. `Dials` extends it; each is a thin call into the module
 * that does the work, with this instance's prefix, namespace and schemas.
 */
export abstract class DialsWrites {
  constructor(
    readonly source: Source,
    readonly prefixes: readonly string[],
  ) {}

  /** The schema of `path`, to validate what is published. */
  protected abstract schemaOf(path: string): StandardSchemaV1 | undefined;
  /** Throws when the instance is closed or failed to start. */
  protected abstract assertOpen(): void;

  /**
   * Write config: puts and deletes in transactions of at most 128 operations (one, so atomic, when
   * they fit), each value validated by its path's schema before anything is written,
   * compare-and-set with `expectRevision`, and a release recorded for `history()` and `rollback()`.
   * Takes `{ path: value }` (undefined deletes) or a list of changes. Needs `transactions`.
   *
   * @example
   * await dials.publish({ 'logging/level': 'debug' }, { message: 'debug checkout', ttlMs: 600_000 });
   */
  async publish(changes: Readonly<Record<string, unknown>> | readonly PublishChange[], options: PublishOptions = {}): Promise<Release> {
    this.assertOpen();
    const prefix = options.prefix ?? (this.prefixes[this.prefixes.length - 1] as string);
    const keyed = configChanges(prefix, changes, (path) => this.schemaOf(path));
    if (options.gray) {
      if (options.ttlMs !== undefined || options.expectRevision !== undefined)
        throw new DialsError('INVALID_ARGUMENT', 'publish: a gray release takes neither ttlMs nor expectRevision; nothing was written');
      const { gray, message, author, force } = options;
      return grayRelease(this.source, keyed, { gray, message, author, force, namespace: namespaceOf(prefix) });
    }
    return publishKeys(this.source, keyed, { ...options, guardPrefix: prefix, namespace: namespaceOf(prefix) });
  }

  /** Releases of this Dials' last prefix (or `namespace`), newest first. Records are keys: they survive compaction. */
  history(options: { namespace?: string } & ListReleasesOptions = {}): Promise<Release[]> {
    return listReleases(this.source, options.namespace ?? this.namespace, options);
  }

  /** Publish the inverse of a release (by object or id); the rollback is itself a release. */
  async rollback(release: Release | string, options: { author?: string; message?: string } = {}): Promise<Release> {
    const target = typeof release === 'string' ? await getRelease(this.source, this.namespace, release) : release;
    return rollbackRelease(this.source, target, options);
  }

  private get namespace(): string {
    return namespaceOf(this.prefixes[this.prefixes.length - 1]);
  }

  /** Run `fn` under a distributed lock (see `withLock()`). */
  withLock<TResult>(name: string, fn: Parameters<typeof withLock<TResult>>[2], options?: LockOptions): Promise<TResult> {
    return withLock(this.source, name, fn, options);
  }

  /** The cluster's members, leader, health and alarms (a source with `cluster`: etcd). */
  clusterStatus(): Promise<ClusterStatus> {
    return clusterStatus(this.source);
  }
}
