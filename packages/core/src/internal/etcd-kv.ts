import type { IKeyValue } from 'etcd3';
import type { KeyValue } from '../types.js';

/** etcd3's key-value (Buffers, string revisions) as Dials hands it on. */
export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
    lease: kv.lease,
  };
}
