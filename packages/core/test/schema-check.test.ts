import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkWrites } from '../src/fleet/schema-check.js';
import { describeSchema, registerSchema } from '../src/fleet/schema-registry.js';
import { decodeValue } from '../src/internal/decode.js';
import { memorySource } from '../src/memory-source.js';
import type { StandardSchemaV1 } from '../src/schema.js';
import { DIALS_VERSION } from '../src/version.js';

/** One table, both sides: what a running app reads (decodeValue) and what the write check says must agree. */
const CASES: [string, StandardSchemaV1, string][] = [
  ['coerce number, plain text', z.coerce.number().int(), '5432'],
  ['coerce number, JSON string', z.coerce.number().int(), '"5432"'],
  ['coerce number, not a number', z.coerce.number(), 'abc'],
  ['coerce number, out of range', z.coerce.number().int().min(1).max(65535), '99999'],
  ['number, JSON string', z.number(), '"5432"'],
  ['number, plain text', z.number(), '5432'],
  ['string, plain text', z.string(), 'localhost'],
  ['string, JSON string', z.string(), '"localhost"'],
  ['string, number text', z.string(), '5432'],
  ['boolean, plain text', z.boolean(), 'true'],
  ['boolean, wrong', z.boolean(), 'yes'],
  ['coerce boolean', z.coerce.boolean(), '"yes"'],
  ['enum, ok', z.enum(['debug', 'info']), 'debug'],
  ['enum, refused', z.enum(['debug', 'info']), 'verbose'],
  ['object, ok', z.object({ rps: z.number() }), '{"rps":10}'],
  ['object, refused', z.object({ rps: z.number() }), '{"rps":"ten"}'],
  ['email, ok', z.string().email(), 'ana@example.com'],
  ['email, refused', z.string().email(), 'not-an-email'],
  ['array', z.array(z.string()).min(1), '[]'],
];

describe('the write check reads a value as the app does', () => {
  it.each(CASES)('%s', async (_name, schema, raw) => {
    const source = memorySource();
    await registerSchema(source, describeSchema('shop', 'config/shop/prod', { v: schema }));
    const app = decodeValue(raw, schema).ok;
    const refusals = await checkWrites(source, [{ key: '/config/shop/prod/v', after: raw }]);
    expect(refusals.length === 0).toBe(app);
  });
});

describe('checkWrites', () => {
  it('names every app whose schema refuses, refuses deleting a required key, and leaves unchecked and unknown paths alone', async () => {
    const source = memorySource();
    await registerSchema(
      source,
      describeSchema('shop', 'config/shop/prod', { port: z.coerce.number().int(), note: z.string().optional() }),
    );
    await registerSchema(
      source,
      describeSchema('billing', 'config/shop/prod', { port: z.coerce.number().int().max(1000), when: z.coerce.date() }),
    );
    const refusals = await checkWrites(source, [
      { key: '/config/shop/prod/port', after: '"abc"' },
      { key: '/config/shop/prod/port', after: undefined },
      { key: '/config/shop/prod/note', after: undefined },
      { key: '/config/shop/prod/when', after: 'whenever' },
      { key: '/config/shop/prod/other', after: 'x' },
      { key: '/config/shop/staging/port', after: 'abc' },
    ]);
    expect(refusals.map((r) => [r.key, r.apps.join('+'), r.message.includes('required') ? 'required' : 'invalid'])).toEqual([
      ['/config/shop/prod/port', 'billing+shop', 'invalid'],
      ['/config/shop/prod/port', 'billing+shop', 'required'],
    ]);
    expect(await checkWrites(source, [{ key: '/config/shop/prod/port', after: '5000' }])).toMatchObject([{ apps: ['billing'] }]);
  });

  it('marks paths without JSON Schema as unchecked in the registry', () => {
    const described = describeSchema('shop', 'c', { when: z.coerce.date(), port: z.coerce.number() });
    expect(described.paths.when?.unchecked).toContain('Date');
    expect(described.paths.port).toMatchObject({ coerce: 'number', required: true });
  });
});

it('DIALS_VERSION is the package version', async () => {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(DIALS_VERSION).toBe(pkg.version);
});
