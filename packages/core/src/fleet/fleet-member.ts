import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { capability } from '../capabilities.js';
import type { DialsOptions } from '../dials-options.js';
import { asDialsError, type DialsError } from '../errors.js';
import { namespaceOf } from '../releases.js';
import type { SchemaMap } from '../schema.js';
import type { Source } from '../types.js';
import { type FlagUsage, InstanceReporter } from './instance-report.js';
import { describeSchema, registerSchema } from './schema-registry.js';

/** One id per process: a process's config and flags report under the same id. */
const PROCESS_ID = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;

/** The id this instance reports under (and is hashed by for a gray release's steps). */
export const instanceIdOf = (options: DialsOptions<SchemaMap>): string => options.instanceId ?? PROCESS_ID;

/**
 * A Dials instance's part in the fleet: its presence report and its schema in the registry. Made
 * only when reporting is on (by default for etcd sources); it never touches the read path.
 */
export class FleetMember {
  private readonly reporter: InstanceReporter;

  private constructor(
    private readonly source: Source,
    private readonly options: DialsOptions<SchemaMap>,
    private readonly prefixes: readonly string[],
    private readonly report: (error: DialsError) => void,
  ) {
    const leases = capability(source, 'leases', 'Reporting an instance (report: true)');
    this.reporter = new InstanceReporter(source, leases, {
      app: this.app,
      namespace: namespaceOf(prefixes[prefixes.length - 1]),
      id: instanceIdOf(options),
      prefixes,
      labels: { ...options.labels },
      ...(options.reportTtlMs === undefined ? {} : { ttlMs: options.reportTtlMs }),
      ...(options.usageReportMs === undefined ? {} : { usageIntervalMs: options.usageReportMs }),
      report,
    });
  }

  /** A member when reporting is on: asked for, or by default on etcd. Asked for on a source without leases: UNSUPPORTED. */
  static create(source: Source, options: DialsOptions<SchemaMap>, prefixes: readonly string[], report: (error: DialsError) => void) {
    const on = options.report ?? (source.kind === 'etcd' && source.leases !== undefined);
    return on ? new FleetMember(source, options, prefixes, report) : undefined;
  }

  private get app(): string {
    return this.options.app ?? process.env.DIALS_APP ?? 'app';
  }

  /** The report's key. */
  get key(): string {
    return this.reporter.key;
  }

  /** Where the report's figures come from. */
  set state(state: InstanceReporter['state']) {
    this.reporter.state = state;
  }

  set usage(usage: () => Record<string, FlagUsage>) {
    this.reporter.usage = usage;
  }

  /** Start reporting, and publish the schema under each layer's namespace (a write to any layer is checked). */
  start(): void {
    this.reporter.start();
    const schema = this.options.schema;
    if (!schema || Object.keys(schema).length === 0) return;
    for (const prefix of this.prefixes) {
      const namespace = namespaceOf(prefix);
      if (namespace === 'default') continue;
      registerSchema(this.source, describeSchema(this.app, namespace, schema)).catch((error: unknown) =>
        this.report(asDialsError(error, 'GENERAL', { key: `/dials/schemas/${namespace}/${this.app}` })),
      );
    }
  }

  changed(): void {
    this.reporter.changed();
  }

  close(): Promise<void> {
    return this.reporter.close();
  }
}
