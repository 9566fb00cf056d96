import { isBrokenCircuitError } from 'cockatiel';
import { CompareResult, CompareTarget, Etcd3, type IRequestOp } from 'etcd3';
import { BehaviorSubject } from 'rxjs';
import { DialsError, messageOf } from './errors.js';
import { parseEndpoints } from './internal/endpoints.js';
import { clientOptions } from './internal/etcd-client-options.js';
import { etcdClusterStatus } from './internal/etcd-cluster.js';
import { isAuthTokenError, isFatalStartError, toDialsError } from './internal/etcd-errors.js';
import { escapeKey, toKeyValue, valueBytes } from './internal/etcd-kv.js';
import { EtcdLeases } from './internal/etcd-leases.js';
import { listKeysRange, listRange } from './internal/etcd-range.js';
import { EtcdPrefixWatch, type WatchTransport } from './internal/etcd-watch.js';
import { invalidateToken, openWatchStream, requireLeader } from './internal/etcd3-internals.js';
import { prefixEnd } from './internal/keys.js';
import { leaseLocks } from './internal/lease-locks.js';
import type {
  Cluster,
  DialsStatus,
  History,
  KeyListing,
  KeyValue,
  Locks,
  PrefixListener,
  PrefixWatch,
  PutOptions,
  RangeResult,
  Source,
  Transactions,
  TxnCompare,
  TxnOp,
} from './types.js';

export { parseEndpoints };

export interface EtcdSourceOptions {
  /** `host:port` endpoints (with `https://` for TLS), as an array or a comma list. Default: `ETCD_ENDPOINTS`, else `127.0.0.1:2379`. */
  readonly endpoints?: string | readonly string[];
  /** etcd user authentication. The password never appears in errors or logs. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** TLS: PEM text or file paths for the CA, and the client certificate and key for mutual TLS. */
  readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
  /** How long `connect()` (and so `ready()`) keeps trying before it rejects. Default 5000 ms. */
  readonly startupTimeoutMs?: number;
  /** Deadline of each unary request (get, put, txn, ...). Default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /** Extra gRPC channel options, merged over Dials' defaults (keepalive every 10 s, 64 MiB messages). */
  readonly grpcOptions?: Readonly<Record<string, string | number>>;
  /** Keys per page when reading a prefix. Default 25 000 (a page over the message limit is halved and retried); the next page is asked for while this one is decoded. */
  readonly pageSize?: number;
  /**
   * Refuse answers from a member that has lost its leader (gRPC metadata `hasleader=true`), so a
   * partitioned member cannot feed stale data silently: its requests fail and the client moves on.
   * Default true.
   */
  readonly requireLeader?: boolean;
  /** The most operations per transaction (etcd's `--max-txn-ops`). Default 128. */
  readonly maxTxnOps?: number;
  /** The largest request etcd takes (its `--max-request-bytes`). Default 1.5 MiB. */
  readonly maxRequestBytes?: number;
}

/**
 * etcd as a source, through the `etcd3` client, with the gaps of its watch closed: resumes from the
 * last applied revision, re-reads after compaction or a wiped cluster, recovers expired auth
 * tokens, and pings to notice half-open connections. Offers every capability: transactions,
 * leases, locks and cluster status.
 *
 * @example
 * const source = etcdSource({ endpoints: ['127.0.0.1:2379'], auth: { username: 'app', password } });
 */
export function etcdSource(options: EtcdSourceOptions = {}): EtcdSource {
  return new EtcdSource(options);
}

export class EtcdSource implements Source {
  readonly kind = 'etcd';
  readonly description: string;
  readonly endpoints: readonly string[];
  /** The underlying etcd3 client, for what Dials does not wrap. */
  readonly client: Etcd3;
  readonly requestTimeoutMs: number;
  readonly pageSize: number;
  readonly transactions: Transactions;
  readonly history: History;
  readonly user: string | undefined;
  readonly leases: EtcdLeases;
  readonly locks: Locks;
  readonly cluster: Cluster;
  private readonly startupTimeoutMs: number;
  private readonly statusSubject = new BehaviorSubject<DialsStatus>('connecting');
  readonly status$ = this.statusSubject.asObservable();
  private readonly watches = new Set<EtcdPrefixWatch>();
  private readonly transport: WatchTransport;
  private connecting: Promise<void> | undefined;

  constructor(options: EtcdSourceOptions) {
    this.endpoints = parseEndpoints(options.endpoints);
    this.description = this.endpoints.join(',');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.startupTimeoutMs = options.startupTimeoutMs ?? 5_000;
    this.pageSize = options.pageSize ?? 25_000;
    const etcdOptions = clientOptions(options, this.endpoints, this.requestTimeoutMs);
    this.client = new Etcd3(etcdOptions);
    if (options.requireLeader !== false) requireLeader(this.client);
    this.user = options.auth?.username;
    this.transactions = {
      maxOps: options.maxTxnOps ?? 128,
      maxBytes: options.maxRequestBytes ?? 1.5 * 1024 * 1024,
      txn: (ops, compare) => this.txn(ops, compare),
    };
    this.history = { getAt: (key, revision) => this.getAt(key, revision) };
    this.leases = new EtcdLeases(this.client, this.description);
    this.locks = leaseLocks({ description: this.description, leases: this.leases, transactions: this.transactions });
    this.cluster = { status: () => etcdClusterStatus(this.client, etcdOptions, this.description, this.requestTimeoutMs) };
    this.transport = {
      description: this.description,
      list: (prefix, onPage) => this.list(prefix, onPage),
      openStream: () => openWatchStream(this.client),
      toError: (error, action, key) => toDialsError(error, this.description, action, key),
      renewTokenIf: (error) => {
        if (!isAuthTokenError(error)) return false;
        invalidateToken(this.client);
        return true;
      },
    };
  }

  connect(): Promise<void> {
    this.connecting ??= this.tryConnect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async tryConnect(): Promise<void> {
    const deadline = Date.now() + this.startupTimeoutMs;
    let last: DialsError | undefined;
    while (Date.now() < deadline) {
      try {
        const remaining = Math.max(1, deadline - Date.now());
        await this.client.maintenance.status({ deadline: Date.now() + Math.min(remaining, this.requestTimeoutMs) });
        this.statusSubject.next('ready');
        return;
      } catch (error) {
        const mapped = toDialsError(error, this.description, 'Connecting');
        // Keep the real cause rather than the circuit breaker's "try later".
        if (!last || !isBrokenCircuitError(error)) last = mapped;
        if (isFatalStartError(last) || this.statusSubject.value === 'closed') break;
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
      }
    }
    if (this.statusSubject.value !== 'closed') this.statusSubject.next('error');
    // Wrong credentials or certificates: retrying cannot help, and the message says what to fix.
    if (last && isFatalStartError(last)) throw last;
    throw new DialsError(
      last?.code ?? 'UNAVAILABLE',
      `Could not connect to etcd at ${this.description} within ${this.startupTimeoutMs} ms. ${last ? last.message : 'No answer.'}`,
      { endpoint: this.description, cause: last },
    );
  }

  private async getAt(key: string, revision: number): Promise<KeyValue | undefined | 'compacted'> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key), revision });
      const kv = res.kvs[0];
      return kv ? this.checked(kv) : undefined;
    } catch (error) {
      if (/compacted|future revision/i.test(messageOf(error))) return 'compacted';
      throw toDialsError(error, this.description, `Reading at revision ${revision}`, key);
    }
  }

  /** A key read by its name is valid UTF-8 (we asked for it); the value may not be. */
  private checked(kv: Parameters<typeof toKeyValue>[0]): KeyValue {
    const converted = toKeyValue(kv);
    if (!converted) throw new DialsError('UNSAFE_KEY', `etcd returned a key that is not UTF-8: ${escapeKey(kv.key)}`);
    return converted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key) });
      const kv = res.kvs[0];
      return kv ? this.checked(kv) : undefined;
    } catch (error) {
      throw toDialsError(error, this.description, 'Reading', key);
    }
  }

  /**
   * Every key under `prefix`, in pages, all at the revision of the first page. The next page is
   * asked for before this one is converted and handed to `onPage`, so etcd serves it meanwhile.
   */
  list(prefix: string, onPage?: (kvs: readonly KeyValue[], offset: number) => void): Promise<RangeResult> {
    return listRange(this.client, this.pageSize, prefix, onPage).catch((error: unknown) => {
      throw toDialsError(error, this.description, 'Reading', `${prefix}*`);
    });
  }

  /** Every key under `prefix` without its value (etcd's `keys_only`), all at the revision of the first page. */
  listKeys(prefix: string): Promise<KeyListing> {
    return listKeysRange(this.client, this.pageSize, prefix).catch((error: unknown) => {
      throw toDialsError(error, this.description, 'Reading', `${prefix}*`);
    });
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<{ revision: number }> {
    const lease = options.lease ?? (options.ttlMs === undefined ? undefined : await this.leases.grant(options.ttlMs));
    try {
      const res = await this.client.kv.put({ key: Buffer.from(key), value: valueBytes(value, options.binary), lease });
      return { revision: Number(res.header.revision) };
    } catch (error) {
      throw toDialsError(error, this.description, 'Writing', key);
    }
  }

  delete(key: string): Promise<{ revision: number; deleted: number }> {
    return this.deleteRange(key, undefined);
  }

  deletePrefix(prefix: string): Promise<{ revision: number; deleted: number }> {
    return this.deleteRange(prefix, prefixEnd(prefix));
  }

  private async deleteRange(key: string, end: Buffer | undefined): Promise<{ revision: number; deleted: number }> {
    try {
      const res = await this.client.kv.deleteRange({ key: Buffer.from(key), range_end: end });
      return { revision: Number(res.header.revision), deleted: Number(res.deleted) };
    } catch (error) {
      throw toDialsError(error, this.description, 'Deleting', end ? `${key}*` : key);
    }
  }

  private async txn(ops: readonly TxnOp[], compare: readonly TxnCompare[] = []) {
    const success: IRequestOp[] = ops.map((op) =>
      op.type === 'put'
        ? { request_put: { key: Buffer.from(op.key), value: valueBytes(op.value, op.binary), lease: op.lease } }
        : { request_delete_range: { key: Buffer.from(op.key), range_end: op.prefix ? prefixEnd(op.key) : undefined } },
    );
    try {
      const res = await this.client.kv.txn({
        compare: compare.map((c) => ({
          key: Buffer.from(c.key),
          range_end: c.prefix ? prefixEnd(c.key) : undefined,
          target: CompareTarget.Mod,
          result: c.op === 'less' ? CompareResult.Less : CompareResult.Equal,
          mod_revision: c.modRevision,
        })),
        success,
        failure: [],
      });
      return { succeeded: res.succeeded, revision: Number(res.header.revision) };
    } catch (error) {
      throw toDialsError(error, this.description, 'Transaction', ops[0]?.key);
    }
  }

  watch(prefix: string, listener: PrefixListener): PrefixWatch {
    const watch = new EtcdPrefixWatch(this.transport, prefix, listener, () => this.watches.delete(watch));
    this.watches.add(watch);
    watch.start();
    return watch;
  }

  /** How many prefix watches this source holds open. */
  get watchCount(): number {
    return this.watches.size;
  }

  async close(): Promise<void> {
    if (this.statusSubject.value === 'closed') return;
    this.statusSubject.next('closed');
    await Promise.all([...this.watches].map((w) => w.close()));
    await this.leases.close();
    this.client.close();
    this.statusSubject.complete();
  }
}
