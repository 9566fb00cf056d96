import { describe, expect, it } from 'vitest';
import { grayRelease } from '../src/delivery/gray.js';
import { promoteGray } from '../src/delivery/gray-control.js';
import { createDials } from '../src/dials.js';
import { memorySource } from '../src/memory-source.js';
import type { Source } from '../src/types.js';

const prefix = '/config/shop/prod/';
const namespace = 'config/shop/prod';

/**
 * The source as a reader sees it when its two watches are not ordered: batches of the config
 * prefix arrive `ms` late (as when the layers wait for etcd's history about a release mark), the
 * gray overlay's at once.
 */
function lateConfig(source: Source, ms: number): Source {
  return new Proxy(source, {
    get(target, name, receiver) {
      if (name === 'watch') {
        return (watched: string, handlers: Parameters<Source['watch']>[1]) =>
          target.watch(
            watched,
            watched.startsWith(prefix) ? { ...handlers, batch: (batch) => void setTimeout(() => handlers.batch(batch), ms) } : handlers,
          );
      }
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('promoting a gray release, with the watches out of order', () => {
  it('an instance on it keeps the values until its layers have the promoted ones: never the old value in between', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const canary = createDials({ source: lateConfig(source, 50), prefix, instanceId: 'c1', labels: { canary: 'true' } });
    const stable = createDials({ source: lateConfig(source, 50), prefix, instanceId: 's1', labels: { canary: 'false' } });
    await Promise.all([canary.ready(), stable.ready()]);
    const seen: unknown[] = [];
    canary.value$('pool').subscribe((v) => seen.push(v));

    const { gray } = await grayRelease(source, [{ key: `${prefix}pool`, after: '20' }], {
      namespace,
      gray: { labels: { canary: 'true' } },
    });
    expect(canary.get('pool')).toBe(20);
    await promoteGray(source, namespace, gray?.id as string);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect([canary.get('pool'), stable.get('pool')]).toEqual([20, 20]);
    expect(canary.grayReleases).toEqual([]);
    expect(seen).toEqual([10, 20]);
    await Promise.all([canary.close(), stable.close()]);
  });
});
