import { isUtf8 } from 'node:buffer';
import type { IKeyValue } from 'etcd3';
import type { KeyValue } from '../types.js';

/** A key that is not UTF-8, shown with `\xNN` for its bytes outside printable ASCII. */
export function escapeKey(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes)
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * etcd3's key-value (Buffers, string revisions) as Dials hands it on; undefined for a key that is
 * not UTF-8 text (two such keys could read as one). A value that is not UTF-8 keeps its bytes.
 */
export function toKeyValue(kv: IKeyValue): KeyValue | undefined {
  if (!isUtf8(kv.key)) return undefined;
  const text = isUtf8(kv.value);
  return {
    key: kv.key.toString(),
    value: kv.value.toString(text ? 'utf8' : 'latin1'),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
    lease: kv.lease,
    ...(text ? {} : { binary: true }),
  };
}

/** A value as etcd wants it: UTF-8 text, or the bytes a binary value holds one per character. */
export function valueBytes(value: string, binary: boolean | undefined): Buffer {
  return Buffer.from(value, binary ? 'latin1' : 'utf8');
}
