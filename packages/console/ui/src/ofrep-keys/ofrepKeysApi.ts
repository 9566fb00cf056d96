import { z } from 'zod';
import { CreatedOfrepKey, type CreateOfrepKey, OfrepKeyList } from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';

/** Every HTTP call of the OFREP keys view. */

/** The keys of a flags namespace: their hashes and labels, never the keys. */
export const loadOfrepKeys = (namespace: string) => call(OfrepKeyList, `/ofrep-keys${query({ namespace })}`);

/** Make a key: the answer holds it once, and never again. */
export const createOfrepKey = (request: CreateOfrepKey) => call(CreatedOfrepKey, '/ofrep-keys', { method: 'POST', body: request });

/** Revoke a key by its hash: requests with it are refused at once. */
export const revokeOfrepKey = (namespace: string, hash: string) =>
  call(z.unknown(), `/ofrep-keys${query({ namespace, hash })}`, { method: 'DELETE' });
