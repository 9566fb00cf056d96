import type { GrayOptions } from './delivery/gray-model.js';
import { DialsError } from './errors.js';
import type { SchemaMap, StandardSchemaV1 } from './schema.js';
import type { Source } from './types.js';

/** One change for `publish()`: a value (validated by the path's schema), raw text, or a delete. */
export type PublishChange =
  | { readonly path: string; readonly value: unknown }
  | { readonly path: string; readonly raw: string }
  | { readonly path: string; readonly delete: true };

export interface PublishOptions {
  /** Why: recorded in the release. */
  readonly message?: string;
  /** Who: recorded in the release. Default `DIALS_AUTHOR`, else the OS user. */
  readonly author?: string;
  /** Compare-and-set: write nothing if the prefix changed after this revision (CONFLICT). */
  readonly expectRevision?: number;
  /** A temporary override: the keys are bound to a lease and disappear after `ttlMs`. */
  readonly ttlMs?: number;
  /** The layer to write to. Default: the last (most specific) prefix. */
  readonly prefix?: string;
  /** Called after each transaction of a large publish. */
  readonly onProgress?: (written: number, total: number) => void;
  /** Record a release (default true). `false` writes without one: no history entry, nothing to roll back. */
  readonly record?: boolean;
  /** Write even what a registered app schema refuses; the release records that it was forced. */
  readonly force?: boolean;
  /**
   * A gray release: the values go to an overlay that only the instances these options select apply
   * (`{ labels: { canary: 'true' }, steps: [10, 50, 100] }`); the keys are untouched until
   * `promoteGray`. Sets values only (no deletes, no `ttlMs` or `expectRevision`).
   */
  readonly gray?: GrayOptions;
}

export interface DialsOptions<TSchema extends SchemaMap = SchemaMap> {
  /** Where the values live: `etcdSource()`, `memorySource()` or `fileSource()`. */
  readonly source: Source;
  /** The key prefix to load and watch, e.g. `/config/shop/production/`. Give this or `layers`. */
  readonly prefix?: string;
  /** Prefixes from general to specific; a path in a later layer overrides the same path in earlier ones. */
  readonly layers?: readonly string[];
  /** A schema per config path (zod, or any Standard Schema): values are validated and typed. */
  readonly schema?: TSchema;
  /** Longest time data is served without confirmation from the source before a re-read. Default 300 000 ms. */
  readonly cacheTtlMs?: number;
  /** Last-known-good file: written after changes, read when the source is down at start-up. */
  readonly snapshotFile?: string;
  /**
   * Paths (exact) or patterns (tested on the last segment) whose values are secret: redacted in
   * `errors$`, never written to `snapshotFile`. Default: names like password, secret, token, apiKey.
   */
  readonly secrets?: readonly (string | RegExp)[];
  /** The app's name, in the fleet report and the schema registry. Default `DIALS_APP`, else `app`. */
  readonly app?: string;
  /**
   * Report this instance under `/dials/instances/<namespace>/` (what it runs and refuses) and publish
   * its schema under `/dials/schemas/<namespace>/<app>`. Default: on for etcd sources. Needs `leases`.
   */
  readonly report?: boolean;
  /** Labels of this instance, in its report (`{ zone: 'eu-1', canary: 'true' }`); gray releases select instances by them. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Follow the gray releases of this instance's namespace (one more watch, on
   * `/dials/gray/<namespace>/`) and apply the values of those that select it. Default: on when the
   * instance has `labels`; `true` for an instance without labels (a release that selects every
   * instance, by steps), `false` to never apply one.
   */
  readonly gray?: boolean;
  /** This process's id in the report. Default `<host>-<pid>-<random>`, one per process. */
  readonly instanceId?: string;
  /** How long a process that died stays listed: its report's lease TTL. Default 10 000 ms. */
  readonly reportTtlMs?: number;
  /** How often this instance's flag usage is reported, when it moved. Default 10 000 ms. */
  readonly usageReportMs?: number;
  /**
   * Apply a release written in more than one transaction whole, when it is done (it is marked
   * under `/dials/in-progress/` while written), rather than one transaction at a time. Default true:
   * trusts etcd to send the mark before the release's changes once the mark watch is caught up
   * (a release that still comes ahead of its mark is reported as SPLIT_RELEASE); `'strict'` checks
   * each change against etcd's history instead, one round trip more per change. See docs/delivery.md.
   */
  readonly holdReleases?: boolean | 'strict';
}

/** One path's change within a revision. */
export interface ConfigChange {
  readonly path: string;
  readonly type: 'put' | 'delete';
  /** The new value (after the schema), or the schema's default / undefined after a delete. */
  readonly value: unknown;
  readonly previous: unknown;
}

/** Every change of one revision, delivered together. */
export interface ChangeSet {
  readonly revision: number;
  readonly changes: readonly ConfigChange[];
}

/** An immutable view of all values at one revision. */
export interface DialsSnapshot {
  readonly revision: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Counters for operators and tests. */
export interface DialsStats {
  /** Re-reads of a prefix because its data went unconfirmed for `cacheTtlMs`. */
  readonly ttlRereads: number;
  /** Full reads of a prefix (start-up, compaction, resync, TTL). */
  readonly resets: number;
  /** Revisions applied from watches. */
  readonly batches: number;
  /** Prefix watches open on the source. */
  readonly watches: number;
  /** Times a live watch broke (etcd unreachable, a member lost its leader) and was restarted. */
  readonly watchRestarts: number;
}

/** The prefixes to follow, after refusing options that cannot work (no prefix, a prefix twice, a schema entry that is not a schema, an unknown holdReleases). */
export function checkedPrefixes(options: DialsOptions<SchemaMap>): readonly string[] {
  const prefixes = options.layers ?? (options.prefix === undefined ? undefined : [options.prefix]);
  if (!prefixes || prefixes.length === 0) {
    throw new DialsError('INVALID_ARGUMENT', 'createDials: give `prefix` (e.g. "/config/shop/production/") or `layers`');
  }
  if (new Set(prefixes).size !== prefixes.length) {
    throw new DialsError('INVALID_ARGUMENT', `createDials: a prefix appears twice in layers (${prefixes.join(', ')})`);
  }
  const hold = options.holdReleases;
  if (hold !== undefined && typeof hold !== 'boolean' && hold !== 'strict') {
    throw new DialsError('INVALID_ARGUMENT', `createDials: holdReleases is true, false or 'strict', not ${JSON.stringify(hold)}`);
  }
  for (const [path, schema] of Object.entries(options.schema ?? {})) {
    if (typeof (schema as Partial<StandardSchemaV1> | undefined)?.['~standard']?.validate !== 'function') {
      const example =
        typeof schema === 'object' && schema !== null
          ? `{ '${path}/${Object.keys(schema)[0] ?? 'port'}': z.number() }`
          : `{ '${path}': z.number() }`;
      throw new DialsError(
        'INVALID_ARGUMENT',
        `createDials: schema.${path} is not a schema (Standard Schema: zod, valibot, arktype); name paths as keys, e.g. ${example}`,
        { key: path },
      );
    }
  }
  return prefixes;
}
