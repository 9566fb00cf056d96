import { createHash, randomBytes } from 'node:crypto';
import { DialsError, defaultAuthor, type Source } from '@dials/core';

/** Where OFREP API keys live: `/dials/ofrep-keys/<namespace>/<sha256 of the key>`. Only the hash is stored. */
export const OFREP_KEYS_PREFIX = '/dials/ofrep-keys/';

export interface OfrepKeyInfo {
  /** The key's SHA-256: its name in etcd, and what revokes it. */
  readonly hash: string;
  readonly namespace: string;
  readonly label: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

const NAMESPACE = /^[\w.-]+(\/[\w.-]+)*$/;

/**
 * A namespace as given (`flags/shop/dev`, or its prefix `/flags/shop/dev/`) in the form keys are
 * stored under; anything else is an INVALID_ARGUMENT naming it.
 */
export function ofrepNamespace(given: string): string {
  const namespace = given.replace(/^\/+|\/+$/g, '');
  if (!NAMESPACE.test(namespace))
    throw new DialsError('INVALID_ARGUMENT', `Not a namespace for API keys: ${JSON.stringify(given)} (e.g. flags/shop/production)`);
  return namespace;
}

/** `dk_<namespace, base64url>.<random>`: the namespace is in the key, so a request names where to look. */
export function namespaceOfKey(key: string): string | undefined {
  const match = /^dk_([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]{20,}$/.exec(key);
  if (!match) return undefined;
  const namespace = Buffer.from(match[1] as string, 'base64url').toString();
  return NAMESPACE.test(namespace) ? namespace : undefined;
}

/**
 * Make an API key for the flags of `namespace` (e.g. `flags/shop/production`): stored hashed, the
 * key itself is returned once, here, and never again.
 */
export async function createOfrepKey(
  source: Source,
  namespace: string,
  options: { label?: string; createdBy?: string } = {},
): Promise<{ key: string; info: OfrepKeyInfo }> {
  const key = `dk_${Buffer.from(namespace).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
  if (namespaceOfKey(key) !== namespace) throw new DialsError('INVALID_ARGUMENT', `Not a namespace for API keys: ${namespace}`);
  const info: OfrepKeyInfo = {
    hash: hashKey(key),
    namespace,
    label: options.label ?? '',
    createdAt: new Date().toISOString(),
    createdBy: options.createdBy ?? source.user ?? defaultAuthor(),
  };
  await source.put(`${OFREP_KEYS_PREFIX}${namespace}/${info.hash}`, JSON.stringify(info));
  return { key, info };
}

/** The keys of `namespace` (their hashes and labels; the keys themselves are not kept). */
export async function listOfrepKeys(source: Source, namespace: string): Promise<OfrepKeyInfo[]> {
  const { kvs } = await source.list(`${OFREP_KEYS_PREFIX}${namespace}/`);
  return kvs.flatMap((kv) => {
    try {
      return [JSON.parse(kv.value) as OfrepKeyInfo];
    } catch {
      return [];
    }
  });
}

/** Revoke a key by its hash (or the key itself): requests with it are refused at once. */
export async function revokeOfrepKey(source: Source, namespace: string, hashOrKey: string): Promise<boolean> {
  const hash = /^[0-9a-f]{64}$/.test(hashOrKey) ? hashOrKey : hashKey(hashOrKey);
  return (await source.delete(`${OFREP_KEYS_PREFIX}${namespace}/${hash}`)).deleted > 0;
}
