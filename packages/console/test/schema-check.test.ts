import { checkWrites, describeSchema, memorySource, SCHEMAS_PREFIX } from '@dials/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkRaw } from '../ui/src/config/schemaCheck.js';

// The browser's schema check (no ajv: the CSP forbids eval) against the server's, which is ajv on
// the same registered JSON Schemas: both must accept and refuse the same raw values.
const schema = {
  port: z.coerce.number().int().min(1).max(65535),
  host: z.string().min(1),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  ratio: z.number().gt(0).lte(1),
  enabled: z.boolean(),
  tags: z.array(z.string().regex(/^[a-z]+$/)).max(3),
  pool: z.object({ min: z.number().int().nonnegative(), max: z.number().int() }).strict(),
  optional: z.string().max(5).optional(),
  either: z.union([z.literal('off'), z.number().multipleOf(5)]),
  nullable: z.string().nullable(),
  pair: z.tuple([z.string(), z.number()]),
  map: z.record(z.string(), z.number()),
};
const raws = [
  '5432',
  '"5432"',
  'abc',
  '0',
  '70000',
  '12.5',
  '',
  'localhost',
  '"localhost"',
  '""',
  'info',
  '"debug"',
  'verbose',
  '0.5',
  '1',
  '1.5',
  'true',
  'false',
  '"true"',
  '["a","b"]',
  '["a","B"]',
  '["a","b","c","d"]',
  '{"min":1,"max":5}',
  '{"min":-1,"max":5}',
  '{"min":1}',
  '{"min":1,"max":5,"x":1}',
  'abcdef',
  'off',
  '"off"',
  '10',
  '11',
  'null',
  '["x",1]',
  '["x","y"]',
  '{"a":1}',
  '{"a":"1"}',
  '[]',
  '{}',
];

describe('the UI schema check', () => {
  it('accepts and refuses exactly what the server (ajv) does, for every rule and value', async () => {
    const registered = describeSchema('shop', 'config/shop', schema);
    const source = memorySource({ initial: { [`${SCHEMAS_PREFIX}config/shop/shop`]: JSON.stringify(registered) } });
    const disagreements: string[] = [];
    for (const [path, rule] of Object.entries(registered.paths)) {
      for (const raw of raws) {
        const server = (await checkWrites(source, [{ key: `/config/shop/${path}`, after: raw }])).length === 0;
        const browser = checkRaw(raw, { ...rule, jsonSchema: rule.jsonSchema ? { ...rule.jsonSchema } : undefined }) === undefined;
        if (server !== browser)
          disagreements.push(`${path} = ${raw}: server ${server ? 'accepts' : 'refuses'}, browser ${browser ? 'accepts' : 'refuses'}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('says why, as the demo shows it', () => {
    const rule = describeSchema('shop', 'config/shop', { port: schema.port }).paths.port as {
      jsonSchema: Record<string, unknown>;
      coerce?: string;
    };
    expect(checkRaw('abc', rule)).toBe('not a number');
    expect(checkRaw('70000', rule)).toBe('must be <= 65535');
    expect(checkRaw('5432', rule)).toBeUndefined();
  });
});
