import { createDials, memorySource } from '@dials/core';
import { ConfigService } from '@nestjs/config';
import { afterAll, expect, it } from 'vitest';
import { opsPerSecond, QUICK, record, save } from './measure.js';

const OPS = QUICK ? 50_000 : 10_000_000;
afterAll(() => save('config'));

it('config reads, side by side', async () => {
  // Application code reads with string literals, which V8 keeps internalized: do the same here.
  const literal = (text: string) => Object.keys({ [text]: 0 })[0] as string;
  const paths = Array.from({ length: 100 }, (_, i) => literal(`service/setting${i}`));
  const initial = Object.fromEntries(paths.map((p, i) => [`/c/${p}`, i]));
  const dials = createDials({ source: memorySource({ initial }), prefix: '/c/' });
  await dials.ready();
  const map = new Map(paths.map((p, i) => [p, i]));
  const nested: Record<string, Record<string, number>> = {
    service: Object.fromEntries(paths.map((p, i) => [p.split('/')[1] as string, i])),
  };
  const configService = new ConfigService(nested);
  const config = dials.config as { service: Record<string, number> };
  let latest: unknown;
  const sub = dials.value$('service/setting7').subscribe((v) => {
    latest = v;
  });
  const path = (i: number) => paths[i % 100] as string;
  const leaves = Array.from({ length: 100 }, (_, i) => literal(`setting${i}`));
  const nestPaths = leaves.map((l) => literal(`service.${l}`));
  const leaf = (i: number) => leaves[i % 100] as string;
  const group = 'config reads';
  const mapGet = record(
    group,
    'Map.get (the limit)',
    'M reads/s',
    opsPerSecond((i) => map.get(path(i)), OPS),
  );
  const get = record(
    group,
    'Dials dials.get(path)',
    'M reads/s',
    opsPerSecond((i) => dials.get(path(i)), OPS),
  );
  record(
    group,
    'Dials req.config.service.x (a property read of the snapshot)',
    'M reads/s',
    opsPerSecond((i) => config.service?.[leaf(i)], OPS),
  );
  record(
    group,
    'Dials value$ subscription, latest value',
    'M reads/s',
    opsPerSecond(() => latest, OPS),
  );
  record(
    group,
    '@nestjs/config ConfigService.get',
    'M reads/s',
    opsPerSecond((i) => configService.get(nestPaths[i % 100] as string), OPS / 10),
  );
  console.log(`config: dials.get is ${(mapGet.median / get.median).toFixed(2)}× Map.get's cost`);
  expect(get.median).toBeGreaterThan(0);
  sub.unsubscribe();
  await dials.close();
});
