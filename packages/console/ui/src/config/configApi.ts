import { KeyView, SearchResult, Tree, type WriteKey, WriteResult } from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';

/** Every HTTP call of the Config view. */

/** The next level under `prefix` only: a namespace of 10 000 keys loads as it is opened. */
export const loadTree = (prefix: string) => call(Tree, `/tree${query({ prefix })}`);

export const searchKeys = (q: string, root: string) => call(SearchResult, `/search${query({ q, root })}`);

/** A key with its rules and history; secrets redacted unless `reveal` (and etcd lets this user read it). */
export const loadKey = (key: string, reveal: boolean) => call(KeyView, `/key${query({ key, reveal: reveal ? '1' : undefined })}`);

export const writeKey = (write: WriteKey) => call(WriteResult, '/key', { method: 'PUT', body: write });

export const deleteKey = (key: string) => call(WriteResult, `/key${query({ key })}`, { method: 'DELETE' });
