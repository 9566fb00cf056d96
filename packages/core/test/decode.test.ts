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
