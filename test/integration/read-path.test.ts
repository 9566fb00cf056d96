import { createDials, DialsError, etcdSource } from '@dials/core';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { cleanPrefix, rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
let etcd: Etcd3;
let prefix: string;

beforeAll(() => {
  etcd = rawClient(endpoint);
});
afterAll(() => etcd.close());
afterEach(async () => {
  await cleanPrefix(etcd, prefix);
});

describe('read path against etcd', () => {
  it('a healthy start goes connecting → ready, never through stale', async () => {
    prefix = uniquePrefix('read');
    await etcd.put(`${prefix}a`).value('1');
    const dials = createDials({ source: etcdSource({ endpoints: endpoint }), layers: [`${prefix}base/`, prefix] });
    const seen: string[] = [];
    dials.status$.subscribe((s) => seen.push(s));
    await dials.ready();
    expect(seen).toEqual(['connecting', 'ready']);
    await dials.close();
  });

  it('loads a prefix, reads plain etcdctl text through schemas, and follows changes', async () => {
    prefix = uniquePrefix('read');
    await etcd.put(`${prefix}database/host`).value('localhost');
    await etcd.put(`${prefix}database/port`).value('5432');
    await etcd.put(`${prefix}features/enabled`).value('true');
    await etcd.put(`${prefix}limits`).value('{"rps":10}');
    const dials = createDials({
      source: etcdSource({ endpoints: endpoint }),
      prefix,
      schema: {
        'database/host': z.string(),
        'database/port': z.coerce.number().int(),
        'features/enabled': z.boolean(),
        'logging/level': z.enum(['debug', 'info', 'warn']).default('info'),
      },
    });
    await dials.ready();
    expect(dials.get('database/host')).toBe('localhost');
    expect(dials.get('database/port')).toBe(5432);
    expect(dials.get('features/enabled')).toBe(true);
    expect(dials.get('limits')).toEqual({ rps: 10 });
    expect(dials.get('logging/level')).toBe('info');
    expect(dials.get('missing', 'fallback')).toBe('fallback');
    expect(dials.config.database?.port).toBe(5432);
    expect(dials.status).toBe('ready');

    const hosts: unknown[] = [];
    const sub = dials.value$('database/host').subscribe((h) => hosts.push(h));
    const next = until(dials.changes$, (c) => c.changes.some((x) => x.path === 'database/host'));
    await etcd.put(`${prefix}database/host`).value('db.internal');
    await next;
    expect(hosts).toEqual(['localhost', 'db.internal']);
    expect(dials.snapshot.values['database/host']).toBe('db.internal');

    const deleted = until(dials.changes$, (c) => c.changes.some((x) => x.path === 'logging/level'));
    await etcd.put(`${prefix}logging/level`).value('debug');
    await deleted;
    expect(dials.get('logging/level')).toBe('debug');
    const back = until(dials.changes$, (c) => c.changes.some((x) => x.path === 'logging/level' && x.type === 'delete'));
    await etcd.delete().key(`${prefix}logging/level`);
    await back;
    // Deleted: the schema default shows through again.
    expect(dials.get('logging/level')).toBe('info');
    sub.unsubscribe();
    await dials.close();
  });

  it('rejects ready() naming the endpoint when etcd is not there', async () => {
    prefix = uniquePrefix('read');
    const dials = createDials({ source: etcdSource({ endpoints: '127.0.0.1:1', startupTimeoutMs: 500 }), prefix });
    const error = await dials.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DialsError);
    expect((error as DialsError).code).toBe('UNAVAILABLE');
    expect((error as DialsError).message).toContain('127.0.0.1:1');
    await dials.close();
  });
});
