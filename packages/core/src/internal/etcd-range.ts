import { isUtf8 } from 'node:buffer';
import { type Etcd3, GRPCResourceExhastedError, type IKeyValue, type IRangeResponse } from 'etcd3';
import type { KeyListing, KeyValue, RangeResult } from '../types.js';
import { escapeKey, toKeyValue } from './etcd-kv.js';
import { prefixEnd } from './keys.js';

/**
 * The range under `prefix` a page at a time, every page at the revision of the first (which is
 * returned); the next page is asked for before `each` runs on this one, so etcd serves it
 * meanwhile. A page over the gRPC message limit is halved and asked for again. Throws etcd3's errors.
 */
async function pages(
  client: Etcd3,
  pageSize: number,
  prefix: string,
  keysOnly: boolean,
  each: (kvs: IKeyValue[], last: boolean) => unknown,
): Promise<number> {
  const end = prefixEnd(prefix);
  let revision: number | undefined;
  let limit = pageSize;
  const fetch = async (start: Buffer): Promise<IRangeResponse> => {
    for (;;) {
      try {
        return await client.kv.range({ key: start, range_end: end, limit, revision, sort_order: 'None', keys_only: keysOnly });
      } catch (error) {
        if (error instanceof GRPCResourceExhastedError && limit > 1) {
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        throw error;
      }
    }
  };
  let res = await fetch(Buffer.from(prefix));
  for (;;) {
    revision ??= Number(res.header.revision);
    const last = res.kvs[res.kvs.length - 1];
    const next = res.more && last ? fetch(Buffer.concat([last.key, Buffer.from([0])])) : undefined;
    // If handling this page throws, the request already sent must not become an unhandled rejection.
    next?.catch(() => undefined);
    await each(res.kvs, next === undefined);
    if (!next) break;
    res = await next;
  }
  return revision ?? 0;
}

/** Every key-value under `prefix` (`EtcdSource.list`); `onPage` hears each page but the last as it arrives. */
export async function listRange(
  client: Etcd3,
  pageSize: number,
  prefix: string,
  onPage?: (kvs: readonly KeyValue[], offset: number) => void,
): Promise<RangeResult> {
  const kvs: KeyValue[] = [];
  const invalidKeys: string[] = [];
  const revision = await pages(client, pageSize, prefix, false, async (raws, last) => {
    const offset = kvs.length;
    const page: KeyValue[] = [];
    for (const raw of raws) {
      const kv = toKeyValue(raw);
      if (kv) page.push(kv);
      else invalidKeys.push(escapeKey(raw.key));
    }
    for (const kv of page) kvs.push(kv);
    if (onPage && !last) {
      // Let the next request go out before the receiver spends time on this page.
      await new Promise((resolve) => setImmediate(resolve));
      onPage(page, offset);
    }
  });
  return { revision, kvs, ...(invalidKeys.length > 0 ? { invalidKeys } : {}) };
}

/** Every key under `prefix` without its value (`EtcdSource.listKeys`, etcd's `keys_only`). */
export async function listKeysRange(client: Etcd3, pageSize: number, prefix: string): Promise<KeyListing> {
  const keys: string[] = [];
  const invalidKeys: string[] = [];
  const revision = await pages(client, pageSize, prefix, true, (raws) => {
    for (const raw of raws) {
      if (isUtf8(raw.key)) keys.push(raw.key.toString());
      else invalidKeys.push(escapeKey(raw.key));
    }
  });
  return { revision, keys, ...(invalidKeys.length > 0 ? { invalidKeys } : {}) };
}
