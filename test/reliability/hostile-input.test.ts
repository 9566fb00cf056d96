import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDials, type DialsError, etcdSource, memorySource } from '@dials/core';
import { createFlags } from '@dials/flags';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const rawValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.jsonValue().map((v) => (JSON.stringify(v) ?? 'null').slice(0, -1)), // truncated JSON
);

describe('hostile input never crashes, and the last good value stays', () => {
  it('random bytes and random JSON as config values (memory source)', async () => {
    let runs = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rawValue, { minLength: 1, maxLength: 20 }), async (values) => {
        runs++;
        const source = memorySource({ initial: { '/c/port': '5432' } });
        const dials = createDials({ source, prefix: '/c/', schema: { port: z.coerce.number().int().min(1).max(65535) } });
        const errors: DialsError[] = [];
        dials.errors$.subscribe((e) => errors.push(e));
        await dials.ready();
        let good = 5432;
        for (const value of values) {
          await source.put('/c/port', value);
          await source.put('/c/free', value);
          const accepted = accepts(value);
          if (accepted.success) good = accepted.data;
          else refused++;
        }
        expect(dials.get('port')).toBe(good); // the last value the schema accepted
        expect(errors.every((e) => e.code === 'INVALID_VALUE' && e.key === '/c/port')).toBe(true);
        await dials.close();
      }),
      { numRuns: 300 },
    );
    console.log(`hostile values: ${runs} runs, ${refused} values refused by the schema, no crash`);
  });

  it('random JSON and bytes as flag documents: evaluation never throws', async () => {
    let evaluations = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            rawValue,
            fc.jsonValue().map((v) => JSON.stringify({ state: 'ENABLED', variants: { a: v }, defaultVariant: 'a', targeting: v })),
          ),
          { minLength: 1, maxLength: 10 },
        ),
        fc.jsonValue(),
        async (docs, context) => {
          const source = memorySource();
          const flags = createFlags({ source, prefix: '/f/' });
          await flags.ready();
          for (const doc of docs) {
            await source.put('/f/flag', doc);
            const details = flags.evaluate(
              'flag',
              (typeof context === 'object' && context !== null && !Array.isArray(context) ? context : {}) as Record<string, unknown>,
            );
            evaluations++;
            expect(['STATIC', 'TARGETING_MATCH', 'DEFAULT', 'DISABLED', 'ERROR']).toContain(details.reason);
          }
          await flags.close();
        },
      ),
      { numRuns: 300 },
    );
    console.log(`hostile flag documents: ${evaluations} evaluations, none threw`);
  });

  it('keys with unicode, spaces, "..", empty segments and prototype names load and read back (etcd)', async () => {
    const prefix = uniquePrefix('keys');
    const etcd = rawClient(endpoint);
    const paths = ['ünïcødé/ключ', 'with space/x', '../up', 'a//b', '__proto__/x', 'constructor', 'prototype/y', 'emoji/🚀', 'trailing/'];
    for (const [i, path] of paths.entries()) await etcd.put(`${prefix}${path}`).value(String(i));
    const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
    await dials.ready();
    for (const [i, path] of paths.entries()) expect(dials.get(path)).toBe(i);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(JSON.parse(JSON.stringify(dials.config))).toMatchObject({ ünïcødé: { ключ: 0 }, emoji: { '🚀': 7 } });
    await dials.close();
    await etcd.delete().prefix(prefix);
    etcd.close();
  });

  it('values near etcd 1.5 MiB request limit: 1.4 MiB loads, an oversize publish is refused naming the key', async () => {
    const prefix = uniquePrefix('big');
    const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
    await dials.ready();
    const big = 'x'.repeat(1.4 * 1024 * 1024);
    await dials.publish({ big });
    await until(dials.value$('big'), (v) => typeof v === 'string' && v.length === big.length);
    const error = (await dials.publish({ huge: 'x'.repeat(2 * 1024 * 1024) }).catch((e: unknown) => e)) as DialsError;
    expect(error.name).toBe('DialsError');
    expect([error.code, error.key]).toEqual(['TOO_LARGE', `${prefix}huge`]);
    expect(dials.get('big')).toHaveLength(big.length);
    await dials.publish({ big: undefined });
    await dials.close();
  });

  it('a flag with 100 000 variants compiles and evaluates', async () => {
    const variants = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`v${i}`, i]));
    const flag = {
      state: 'ENABLED',
      variants,
      defaultVariant: 'v0',
      targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'u'] }, 'v99999'] },
    };
    const flags = createFlags({ source: memorySource({ initial: { '/f/wide': flag } }), prefix: '/f/' });
    await flags.ready();
    expect(flags.evaluate('wide', { targetingKey: 'u' }).value).toBe(99_999);
    expect(flags.evaluate('wide', { targetingKey: 'x' }).value).toBe(0);
    await flags.close();
  });

  it('a snapshot file truncated or edited into garbage is ignored with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dials-garbage-'));
    const file = join(dir, 'snap.json');
    const source = memorySource({ initial: { '/c/a': 1 } });
    const first = createDials({ source, prefix: '/c/', snapshotFile: file });
    await first.ready();
    await source.put('/c/b', '2');
    await first.close();
    for (const broken of [
      readFileSafe(file).slice(0, 20),
      '\u0000\u0001garbage',
      '{"format":"dials-snapshot/1","revision":1,"layers":{"/c/":{"a":1}}}',
      '[]',
    ]) {
      writeFileSync(file, broken);
      const again = createDials({ source: memorySource({ initial: { '/c/a': 1 } }), prefix: '/c/', snapshotFile: file });
      const errors: DialsError[] = [];
      again.errors$.subscribe((e) => errors.push(e));
      await again.ready();
      expect(again.get('a')).toBe(1);
      expect(errors.map((e) => e.code)).toEqual(['SNAPSHOT']);
      expect(errors[0]?.message).toContain(file);
      await again.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

const port = z.coerce.number().int().min(1).max(65535);

/** The documented reading rule: the JSON reading first, then the plain text (unless the JSON was a string). */
function accepts(raw: string) {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return port.safeParse(raw);
  }
  const first = port.safeParse(json);
  return first.success || typeof json === 'string' ? first : port.safeParse(raw);
}

function readFileSafe(file: string): string {
  return readFileSync(file, 'utf8');
}
