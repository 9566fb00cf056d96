import { expect, it } from 'vitest';
import { z } from 'zod';
import { createDials } from '../src/dials.js';
import type { DialsError } from '../src/errors.js';
import { memorySource } from '../src/memory-source.js';
import type { StandardSchemaV1 } from '../src/schema.js';

// A schema that throws (a bug in an app's transform) costs one key, never the revision or the others.
const throwing: StandardSchemaV1<unknown, string> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => {
      if (value === 'boom') throw new Error('transform exploded');
      return { value: String(value) };
    },
  },
};

it('a schema that throws is reported as APPLY_FAILED naming the path; the last good value and the other keys stay', async () => {
  const source = memorySource({ initial: { '/c/name': 'ok', '/c/port': 1 } });
  const dials = createDials({ source, prefix: '/c/', schema: { name: throwing, port: z.coerce.number() } });
  const errors: DialsError[] = [];
  dials.errors$.subscribe((e) => errors.push(e));
  await dials.ready();
  await source.transactions?.txn([
    { type: 'put', key: '/c/name', value: JSON.stringify('boom') },
    { type: 'put', key: '/c/port', value: '2' },
  ]);
  expect(errors).toMatchObject([{ code: 'APPLY_FAILED', key: 'name', message: expect.stringContaining('transform exploded') }]);
  expect(errors[0]?.message).toContain('it keeps its last good value');
  expect(dials.get('name')).toBe('ok');
  expect(dials.get('port')).toBe(2);
  await dials.close();
});
