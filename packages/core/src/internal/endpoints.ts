import { readFileSync } from 'node:fs';
import { DialsError } from '../errors.js';

/** Parse endpoints from an option, a comma list, or `ETCD_ENDPOINTS`. */
export function parseEndpoints(endpoints: string | readonly string[] | undefined): string[] {
  const raw = endpoints ?? process.env.ETCD_ENDPOINTS ?? '127.0.0.1:2379';
  const list = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((e) => e.trim()).filter((e) => e !== '');
  if (list.length === 0) throw new DialsError('INVALID_ARGUMENT', 'etcdSource: no endpoints given (endpoints option or ETCD_ENDPOINTS)');
  return list;
}

/** PEM text, a Buffer, or a file path to read it from. */
export function pem(value: string | Buffer | undefined, what: string): Buffer | undefined {
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (error) {
    throw new DialsError('TLS', `etcdSource: cannot read tls.${what} from ${value}`, { cause: error });
  }
}
