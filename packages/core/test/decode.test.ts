import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeValue } from '../src/internal/decode.js';

describe('decodeValue', () => {
  it('reads plain etcdctl text through a schema of its natural type', () => {
    expect(decodeValue('localhost', z.string())).toEqual({ ok: true, value: 'localhost' });
    expect(decodeValue('5432', z.coerce.number())).toEqual({ ok: true, value: 5432 });
    expect(decodeValue('5432', z.string())).toEqual({ ok: true, value: '5432' });
    expect(decodeValue('true', z.boolean())).toEqual({ ok: true, value: true });
    expect(decodeValue('"quoted"', z.string())).toEqual({ ok: true, value: 'quoted' });
    expect(decodeValue('{"a":1}', z.object({ a: z.number() }))).toEqual({ ok: true, value: { a: 1 } });
  });

  it('without a schema, JSON text is parsed and anything else is a string', () => {
    expect(decodeValue('{"a":[1]}', undefined)).toEqual({ ok: true, value: { a: [1] } });
    expect(decodeValue('plain text', undefined)).toEqual({ ok: true, value: 'plain text' });
  });

  it('reports the issues of the JSON reading when no reading fits', () => {
    const result = decodeValue('{"port": "x"}', z.object({ port: z.number() }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.path).toEqual(['port']);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        decodeValue(raw, z.number());
        decodeValue(raw, undefined);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('values are read-only for every reader', () => {
  it('hands out a Date whose setters throw, equal to the one the schema made', () => {
    const result = decodeValue('"2026-12-01T09:00:00Z"', z.coerce.date());
    if (!result.ok) throw new Error('expected a value');
    const date = result.value as Date;
    expect(date).toBeInstanceOf(Date);
    expect(date.toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(() => date.setTime(0)).toThrow(/read-only/);
    expect(() => date.setFullYear(1999)).toThrow(/read-only/);
    expect(date.getTime()).toBe(Date.parse('2026-12-01T09:00:00Z'));
  });

  it('hands out a URL whose parts and search params cannot be changed', () => {
    const result = decodeValue(
      '"https://shop.example/promo?x=1"',
      z.string().transform((s) => new URL(s)),
    );
    if (!result.ok) throw new Error('expected a value');
    const url = result.value as URL;
    expect(url.href).toBe('https://shop.example/promo?x=1');
    expect(() => {
      url.pathname = '/evil';
    }).toThrow(/read-only/);
    expect(() => url.searchParams.set('x', '2')).toThrow(/read-only/);
    expect(url.href).toBe('https://shop.example/promo?x=1');
  });

  it('freezes Dates nested in objects too', () => {
    const result = decodeValue('{"endsAt":"2026-12-01T00:00:00Z"}', z.object({ endsAt: z.coerce.date() }));
    if (!result.ok) throw new Error('expected a value');
    const promo = result.value as { endsAt: Date };
    expect(() => promo.endsAt.setTime(0)).toThrow(/read-only/);
    expect(Object.isFrozen(promo)).toBe(true);
  });

  it('refuses an output freezing cannot protect (a Map, a Buffer), saying why', () => {
    const map = decodeValue(
      '{"a":1}',
      z.record(z.string(), z.number()).transform((r) => new Map(Object.entries(r))),
    );
    expect(map).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('Map') }] });
    const buffer = decodeValue(
      '"abc"',
      z.string().transform((s) => Buffer.from(s)),
    );
    expect(buffer).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('Buffer') }] });
  });
});
