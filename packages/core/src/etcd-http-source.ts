import { isUtf8 } from 'node:buffer';
import { BehaviorSubject } from 'rxjs';
import { asDialsError, DialsError, messageOf } from './errors.js';
import { parseEndpoints, pem } from './internal/endpoints.js';
import { Gateway } from './internal/etcd-gateway.js';
import { escapeKey, valueBytes } from './internal/etcd-kv.js';
import { prefixEnd } from './internal/keys.js';
import type {
  DialsStatus,
  History,
  KeyValue,
  Leases,
  PrefixWatch,
  PutOptions,
  RangeResult,
  Source,
  Transactions,
  TxnCompare,
  TxnOp,
} from './types.js';

export interface EtcdHttpSourceOptions {
  /** `host:port` endpoints (`https://` for TLS), as an array or a comma list. Default: `ETCD_ENDPOINTS`, else `127.0.0.1:2379`. */
  readonly endpoints?: string | readonly string[];
  /** etcd user authentication. The password never appears in errors. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** TLS: PEM text or file paths for the CA, and the client certificate and key for mutual TLS. */
  readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
  /** Deadline of each request, `connect()` included. Default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /** Keys per page when reading a prefix. Default 10 000. */
  readonly pageSize?: number;
  /** The most operations per transaction (etcd's `--max-txn-ops`). Default 128. */
  readonly maxTxnOps?: number;
  /** The largest request etcd takes (its `--max-request-bytes`). Default 1.5 MiB. */
  readonly maxRequestBytes?: number;
}

interface WireKv {
  key: string;
  value?: string;
  mod_revision?: string;
  create_revision?: string;
  version?: string;
  lease?: string;
}
interface WireHeader {
  header?: { revision?: string };
}

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const revisionOf = (res: WireHeader) => Number(res.header?.revision ?? 0);

/** As the gRPC source reads a key-value: undefined for a key that is not UTF-8; a binary value keeps its bytes. */
function toKeyValue(kv: WireKv): KeyValue | undefined {
  const key = Buffer.from(kv.key, 'base64');
  if (!isUtf8(key)) return undefined;
  const value = Buffer.from(kv.value ?? '', 'base64');
  const utf8 = isUtf8(value);
  return {
    key: key.toString(),
    value: value.toString(utf8 ? 'utf8' : 'latin1'),
    modRevision: Number(kv.mod_revision ?? 0),
    createRevision: Number(kv.create_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: kv.lease ?? '0',
    ...(utf8 ? {} : { binary: true }),
  };
}

/**
 * etcd through its JSON gateway on the client port (`/v3/kv/range`, `/v3/kv/txn`, ...) with
 * node:http(s): reads, writes, transactions and leases that expire by themselves, without loading
 * a gRPC client (etcd3 and its protobuf files cost ~120 ms to load). For one-shot commands and
 * scripts: `publishKeys()` works on it as on `etcdSource()`, with the same errors (a release of
 * several transactions is marked in progress under a lease kept alive by a request a third of its
 * TTL apart). It cannot watch, lock or report on the cluster: use `etcdSource()` for those.
 *
 * @example
 * const source = etcdHttpSource({ endpoints: '127.0.0.1:2379' });
 * await publishKeys(source, [{ key: '/config/shop/dev/logging/level', after: '"debug"' }]);
 */
export function etcdHttpSource(options: EtcdHttpSourceOptions = {}): Source {
  const endpoints = parseEndpoints(options.endpoints);
  const tls = options.tls
    ? { ca: pem(options.tls.ca, 'ca'), cert: pem(options.tls.cert, 'cert'), key: pem(options.tls.key, 'key') }
    : undefined;
  const gateway = new Gateway({ endpoints, auth: options.auth, tls, timeoutMs: options.requestTimeoutMs ?? 5_000 });
  const description = gateway.description;
  const status = new BehaviorSubject<DialsStatus>('connecting');
  const pageSize = options.pageSize ?? 10_000;

  const unsupported = (what: string) =>
    new DialsError('UNSUPPORTED', `${what} needs a stream, which the etcd-http source ${description} does not offer; use etcdSource()`, {
      endpoint: description,
    });

  const deleteRange = async (key: string, end: Buffer | undefined, action: string) => {
    const res = await gateway.call<WireHeader & { deleted?: string }>(
      '/v3/kv/deleterange',
      { key: b64(key), ...(end ? { range_end: b64(end) } : {}) },
      action,
      end ? `${key}*` : key,
    );
    return { revision: revisionOf(res), deleted: Number(res.deleted ?? 0) };
  };

  const transactions: Transactions = {
    maxOps: options.maxTxnOps ?? 128,
    maxBytes: options.maxRequestBytes ?? 1.5 * 1024 * 1024,
    async txn(ops: readonly TxnOp[], compare: readonly TxnCompare[] = []) {
      const res = await gateway.call<WireHeader & { succeeded?: boolean }>(
        '/v3/kv/txn',
        {
          compare: compare.map((c) => ({
            key: b64(c.key),
            ...(c.prefix ? { range_end: b64(prefixEnd(c.key)) } : {}),
            target: 'MOD',
            result: c.op === 'less' ? 'LESS' : 'EQUAL',
            mod_revision: String(c.modRevision),
          })),
          success: ops.map((op) =>
            op.type === 'put'
              ? {
                  request_put: {
                    key: b64(op.key),
                    value: valueBytes(op.value, op.binary).toString('base64'),
                    ...(op.lease ? { lease: op.lease } : {}),
                  },
                }
              : { request_delete_range: { key: b64(op.key), ...(op.prefix ? { range_end: b64(prefixEnd(op.key)) } : {}) } },
          ),
          failure: [],
        },
        'Transaction',
        ops[0]?.key,
      );
      return { succeeded: res.succeeded === true, revision: revisionOf(res) };
    },
  };

  const leases: Leases = {
    async grant(ttlMs) {
      const res = await gateway.call<{ ID: string }>(
        '/v3/lease/grant',
        { TTL: String(Math.max(1, Math.ceil(ttlMs / 1000))) },
        'Granting a lease',
      );
      return res.ID;
    },
    // Kept alive by one keep-alive request a third of the TTL apart (the gateway's keep-alive is one request, one answer).
    async keepAlive(ttlMs) {
      const id = await leases.grant(ttlMs);
      const controller = new AbortController();
      const timer = setInterval(
        () => {
          gateway.call<{ result?: { TTL?: string } }>('/v3/lease/keepalive', { ID: id }, 'Keeping a lease alive').then(
            (res) => {
              if (Number(res.result?.TTL ?? 0) <= 0) lost(new DialsError('UNAVAILABLE', `Lease ${id} has expired`));
            },
            (error: unknown) => lost(asDialsError(error, 'UNAVAILABLE')),
          );
        },
        Math.max(250, Math.floor(ttlMs / 3)),
      );
      timer.unref?.();
      const lost = (reason: DialsError) => {
        clearInterval(timer);
        if (!controller.signal.aborted) controller.abort(reason);
      };
      return {
        id,
        signal: controller.signal,
        revoke: async () => {
          clearInterval(timer);
          await leases.revoke(id);
        },
      };
    },
    async revoke(id) {
      await gateway.call('/v3/lease/revoke', { ID: id }, 'Revoking a lease');
    },
    async remainingMs(id) {
      const res = await gateway.call<{ TTL?: string }>('/v3/lease/timetolive', { ID: id }, 'Reading a lease');
      const seconds = Number(res.TTL ?? -1);
      return seconds < 0 ? undefined : seconds * 1000;
    },
  };

  const history: History = {
    async getAt(key, revision) {
      try {
        const res = await gateway.call<{ kvs?: WireKv[] }>('/v3/kv/range', { key: b64(key), revision: String(revision) }, 'Reading', key);
        const kv = res.kvs?.[0];
        return kv ? toKeyValue(kv) : undefined;
      } catch (error) {
        if (/compacted|future revision/i.test(messageOf(error))) return 'compacted';
        throw error;
      }
    },
  };

  return {
    kind: 'etcd-http',
    description,
    ...(options.auth ? { user: options.auth.username } : {}),
    transactions,
    history,
    leases,
    status$: status.asObservable(),
    async connect() {
      try {
        await gateway.call('/v3/maintenance/status', {}, 'Connecting');
        status.next('ready');
      } catch (error) {
        status.next('error');
        throw error;
      }
    },
    async get(key) {
      const res = await gateway.call<{ kvs?: WireKv[] }>('/v3/kv/range', { key: b64(key) }, 'Reading', key);
      const kv = res.kvs?.[0];
      const converted = kv ? toKeyValue(kv) : undefined;
      if (kv && !converted)
        throw new DialsError('UNSAFE_KEY', `etcd returned a key that is not UTF-8: ${escapeKey(Buffer.from(kv.key, 'base64'))}`);
      return converted;
    },
    // Pages of `pageSize` keys, every page at the revision of the first.
    async list(prefix, onPage): Promise<RangeResult> {
      const end = b64(prefixEnd(prefix));
      const kvs: KeyValue[] = [];
      const invalidKeys: string[] = [];
      let start = b64(prefix);
      let revision: number | undefined;
      for (;;) {
        const res = await gateway.call<WireHeader & { kvs?: WireKv[]; more?: boolean }>(
          '/v3/kv/range',
          { key: start, range_end: end, limit: String(pageSize), ...(revision ? { revision: String(revision) } : {}) },
          'Reading',
          `${prefix}*`,
        );
        revision ??= revisionOf(res);
        const page: KeyValue[] = [];
        for (const wire of res.kvs ?? []) {
          const kv = toKeyValue(wire);
          if (kv) page.push(kv);
          else invalidKeys.push(escapeKey(Buffer.from(wire.key, 'base64')));
        }
        onPage?.(page, kvs.length);
        kvs.push(...page);
        const last = res.kvs?.[res.kvs.length - 1];
        if (!res.more || !last) break;
        start = b64(Buffer.concat([Buffer.from(last.key, 'base64'), Buffer.from([0])]));
      }
      return { revision: revision ?? 0, kvs, ...(invalidKeys.length > 0 ? { invalidKeys } : {}) };
    },
    async put(key, value, putOptions: PutOptions = {}) {
      const lease = putOptions.lease ?? (putOptions.ttlMs === undefined ? undefined : await leases.grant(putOptions.ttlMs));
      const res = await gateway.call<WireHeader>(
        '/v3/kv/put',
        { key: b64(key), value: valueBytes(value, putOptions.binary).toString('base64'), ...(lease ? { lease } : {}) },
        'Writing',
        key,
      );
      return { revision: revisionOf(res) };
    },
    delete: (key) => deleteRange(key, undefined, 'Deleting'),
    deletePrefix: (prefix) => deleteRange(prefix, prefixEnd(prefix), 'Deleting'),
    watch(): PrefixWatch {
      throw unsupported('watch()');
    },
    async close() {
      if (status.value === 'closed') return;
      status.next('closed');
      status.complete();
      gateway.close();
    },
  };
}
