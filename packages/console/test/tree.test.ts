import { memorySource, type Source } from '@dials/core';
import { expect, it } from 'vitest';
import { keysUnder, tree } from '../src/server/routes/config.js';

it('reads a deep link in one listing: a folder asked for while its parent is read is cut from that read', async () => {
  const initial: Record<string, string> = {};
  for (let i = 0; i < 30; i++) initial[`/config/shop/dev/svc-${i % 3}/key-${i}`] = String(i);
  const inner = memorySource({ initial });
  const listed: string[] = [];
  const source: Source = new Proxy(inner, {
    get: (target, name, receiver) =>
      name === 'list'
        ? (prefix: string) => {
            listed.push(prefix);
            return target.list(prefix);
          }
        : Reflect.get(target, name, receiver),
  });
  const together = await Promise.all(
    ['/config/', '/config/shop/', '/config/shop/dev/', '/config/shop/dev/svc-1/'].map((p) => tree(source, p)),
  );
  expect(listed).toEqual(['/config/']);
  listed.length = 0;
  const apart = [];
  for (const p of ['/config/', '/config/shop/', '/config/shop/dev/', '/config/shop/dev/svc-1/']) apart.push(await tree(source, p));
  expect(listed).toHaveLength(4);
  expect(together).toEqual(apart);
  expect(together[2]?.children).toEqual([
    { name: 'svc-0', path: '/config/shop/dev/svc-0/', kind: 'folder', count: 10 },
    { name: 'svc-1', path: '/config/shop/dev/svc-1/', kind: 'folder', count: 10 },
    { name: 'svc-2', path: '/config/shop/dev/svc-2/', kind: 'folder', count: 10 },
  ]);
});

it('reads keys, never values, for a tree level and a search where the source can (etcd: keys_only)', async () => {
  const initial: Record<string, string> = {};
  for (let i = 0; i < 30; i++) initial[`/config/shop/dev/svc-${i % 3}/key-${i}`] = String(i);
  const inner = memorySource({ initial });
  const listedKeys: string[] = [];
  // A source that lists keys on their own, and whose values may not be listed.
  const source: Source = new Proxy(inner, {
    get: (target, name, receiver) => {
      if (name === 'list') return () => Promise.reject(new Error('a tree level read the values'));
      if (name === 'listKeys')
        return async (prefix: string) => {
          listedKeys.push(prefix);
          const { revision, kvs } = await target.list(prefix);
          return { revision, keys: kvs.map((kv) => kv.key) };
        };
      return Reflect.get(target, name, receiver);
    },
  });
  expect((await tree(source, '/config/shop/dev/')).children).toEqual([
    { name: 'svc-0', path: '/config/shop/dev/svc-0/', kind: 'folder', count: 10 },
    { name: 'svc-1', path: '/config/shop/dev/svc-1/', kind: 'folder', count: 10 },
    { name: 'svc-2', path: '/config/shop/dev/svc-2/', kind: 'folder', count: 10 },
  ]);
  expect((await tree(source, '/config/shop/dev/svc-1/')).children).toHaveLength(10);
  expect((await keysUnder(source, '/config/')).keys).toHaveLength(30);
  expect(listedKeys).toEqual(['/config/shop/dev/', '/config/shop/dev/svc-1/', '/config/']);
});
