import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDials } from '../src/dials.js';
import { healthOf } from '../src/health.js';
import { memorySource } from '../src/memory-source.js';
import type { DialsStatus } from '../src/types.js';

describe('Dials status with refused keys', () => {
  it('starts connecting → ready, goes degraded while a required key is refused, and ready again when it is fixed', async () => {
    const source = memorySource({ initial: { '/c/host': 'db', '/c/port': 5432 } });
    const dials = createDials({ source, prefix: '/c/', schema: { host: z.string(), port: z.coerce.number() } });
    const seen: DialsStatus[] = [];
    dials.status$.subscribe((s) => seen.push(s));
    await dials.ready();
    expect(seen).toEqual(['connecting', 'ready']);
    await source.delete('/c/host');
    expect(dials.get('host')).toBe('db');
    expect(dials.status).toBe('degraded');
    expect(dials.refused.map((r) => `${r.path}:${r.reason}`)).toEqual(['host:deleted']);
    expect(healthOf(dials)).toMatchObject({ status: 'degraded', serving: true, refused: [{ path: 'host' }] });
    await source.put('/c/port', '"not a number"');
    expect(dials.refused.map((r) => r.path).sort()).toEqual(['host', 'port']);
    await source.put('/c/host', '"db2"');
    await source.put('/c/port', '6543');
    expect(dials.get('host')).toBe('db2');
    expect(dials.status).toBe('ready');
    expect(seen).toEqual(['connecting', 'ready', 'degraded', 'ready']);
    await dials.close();
  });

  it('is degraded from the start when a required key is missing', async () => {
    const dials = createDials({ source: memorySource(), prefix: '/c/', schema: { host: z.string() } });
    await dials.ready();
    expect(dials.status).toBe('degraded');
    expect(dials.refused).toEqual([
      { path: 'host', key: '/c/host', reason: 'missing', message: 'required by the schema, and not set', kept: false },
    ]);
    await dials.close();
  });
});

describe('createDials options', () => {
  it('refuses a schema entry that is not a schema (a nested object), naming the path and how to write it', () => {
    const source = memorySource({ initial: {} });
    const nested = { db: { port: z.number() } } as unknown as Record<string, z.ZodNumber>;
    expect(() => createDials({ source, prefix: '/c/', schema: nested })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', key: 'db', message: expect.stringContaining("{ 'db/port': z.number() }") }),
    );
  });
});
