import { createDials, grayRelease, memorySource } from '@dials/core';
import { afterAll, expect, it } from 'vitest';
import { interleavedOpsPerSecond, QUICK, record, save } from './measure.js';

// Eleven turns of 2 M reads each (one turn of 50 000 with --quick), every contender in each turn.
const OPS = QUICK ? 50_000 : 2_000_000;
const TURNS = QUICK ? 1 : 11;
afterAll(() => save('gray'));

// A gray release is applied into the instance's snapshot when it changes (ConfigState.applyOverlay),
// so `get` on an instance on one is the same map lookup as on any other: measured side by side.
it('config reads on instances on a gray release, side by side with one on none', async () => {
  const literal = (text: string) => Object.keys({ [text]: 0 })[0] as string;
  const prefix = '/config/shop/prod/';
  const namespace = 'config/shop/prod';
  const paths = Array.from({ length: 100 }, (_, i) => literal(`service/setting${i}`));
  const added = Array.from({ length: 100 }, (_, i) => literal(`service/gray${i}`));
  const source = memorySource({ initial: Object.fromEntries(paths.map((p, i) => [`${prefix}${p}`, i])) });
  // Every base path overridden for canary=true; paths the base lacks added for added=true.
  await grayRelease(
    source,
    paths.map((p, i) => ({ key: `${prefix}${p}`, after: String(i + 1000) })),
    { namespace, gray: { labels: { canary: 'true' } } },
  );
  await grayRelease(
    source,
    added.map((p, i) => ({ key: `${prefix}${p}`, after: String(i) })),
    { namespace, gray: { labels: { added: 'true' } } },
  );
  const instance = (id: string, labels: Record<string, string>, gray?: boolean) =>
    createDials({ source, prefix, instanceId: id, labels, ...(gray === undefined ? {} : { gray }) });
  const plain = instance('plain', {}, false);
  const unselected = instance('stable-1', { canary: 'false' });
  const canary = instance('canary-1', { canary: 'true' });
  const adding = instance('added-1', { added: 'true' });
  await Promise.all([plain, unselected, canary, adding].map((d) => d.ready()));
  expect([plain.get(paths[7] as string), unselected.get(paths[7] as string), canary.get(paths[7] as string)]).toEqual([7, 7, 1007]);
  expect([canary.grayReleases.length, adding.grayReleases.length, unselected.grayReleases.length]).toEqual([1, 1, 0]);
  expect(adding.get(added[7] as string)).toBe(7);

  const map = new Map(paths.map((p, i) => [p, i]));
  const path = (i: number) => paths[i % 100] as string;
  const extra = (i: number) => added[i % 100] as string;
  const leaves = paths.map((p) => literal(p.split('/')[1] as string));
  const config = canary.config as { service: Record<string, number> };
  const group = 'config reads with a gray release';
  const contenders: [string, (i: number) => unknown][] = [
    ['Map.get (the limit)', (i) => map.get(path(i))],
    ['dials.get, on no gray release (not following them)', (i) => plain.get(path(i))],
    ['dials.get, following gray releases, selected by none', (i) => unselected.get(path(i))],
    ['dials.get, on a gray release that overrides every path read', (i) => canary.get(path(i))],
    ['dials.get, on a gray release that adds the paths read', (i) => adding.get(extra(i))],
    ['config.service.x, on a gray release (a property read of the snapshot)', (i) => config.service?.[leaves[i % 100] as string]],
  ];
  const timings = interleavedOpsPerSecond(
    contenders.map(([, read]) => read),
    OPS,
    TURNS,
  );
  const [, base, , on] = contenders.map(([name], c) => record(group, name, 'M reads/s', timings[c] as number[]));
  console.log(`gray: dials.get on a gray release is ${((base?.median ?? 0) / (on?.median ?? 1)).toFixed(2)}× the cost of one on none`);
  expect(on?.median).toBeGreaterThan(0);
  await Promise.all([plain, unselected, canary, adding].map((d) => d.close()));
});
