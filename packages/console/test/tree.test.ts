import { memorySource, type Source } from '@dials/core';
import { expect, it } from 'vitest';
import { tree } from '../src/server/routes/config.js';

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
