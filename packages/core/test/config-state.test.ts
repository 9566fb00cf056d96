import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConfigChange } from '../src/dials-options.js';
import type { DialsError } from '../src/errors.js';
import { ConfigState } from '../src/internal/config-state.js';
import type { KeyValue } from '../src/types.js';

const kv = (key: string, value: string, modRevision = 1): KeyValue => ({
  key,
  value,
  modRevision,
  createRevision: 1,
  version: 1,
  lease: '0',
});

function makeState(prefixes: string[], schema = {}) {
  const errors: DialsError[] = [];
  const emitted: ConfigChange[][] = [];
  const state = new ConfigState(prefixes, {
    schema,
    secrets: [/password/],
    report: (e) => errors.push(e),
    onChanges: (changes) => emitted.push(changes),
  });
  state.applyDefaults();
  return { state, errors, emitted };
}

describe('ConfigState', () => {
  it('lets a later layer win, and falls back to the earlier one when it lets go', () => {
    const { state, emitted } = makeState(['/base/', '/prod/']);
    state.applyReset(0, { revision: 5, kvs: [kv('/base/db/host', '"base"'), kv('/base/db/port', '5432')] });
    state.applyReset(1, { revision: 6, kvs: [kv('/prod/db/host', '"prod"')] });
    expect(state.values.get('db/host')).toBe('prod');
    expect(state.values.get('db/port')).toBe(5432);
    state.applyBatch(1, { revision: 7, events: [{ type: 'delete', key: '/prod/db/host', value: undefined, modRevision: 7 }] });
    expect(state.values.get('db/host')).toBe('base');
    expect(emitted.at(-1)).toEqual([{ path: 'db/host', type: 'put', value: 'base', previous: 'prod' }]);
    expect(state.revision).toBe(7);
  });

  it('keeps the last good value of a path whose new value fails its schema, and says so', () => {
    const { state, errors } = makeState(['/c/'], { port: z.coerce.number().int() });
    state.applyReset(0, { revision: 2, kvs: [kv('/c/port', '5432')] });
    state.applyBatch(0, { revision: 3, events: [{ type: 'put', key: '/c/port', value: '"abc"', modRevision: 3 }] });
    expect(state.values.get('port')).toBe(5432);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'INVALID_VALUE', key: '/c/port', raw: '"abc"' });
    expect(errors[0]?.message).toContain('the last good value "5432" stays in force');
  });

  it('redacts a secret value in its error', () => {
    const { state, errors } = makeState(['/c/'], { 'db/password': z.string().min(10) });
    state.applyReset(0, { revision: 2, kvs: [kv('/c/db/password', '"short"')] });
    expect(errors[0]?.message).not.toContain('short');
    expect(errors[0]?.raw).toBeUndefined();
  });

  it('gives a deleted path its schema default, and an unset one its default from the start', () => {
    const { state } = makeState(['/c/'], { level: z.enum(['info', 'debug']).default('info') });
    expect(state.values.get('level')).toBe('info');
    state.applyReset(0, { revision: 2, kvs: [kv('/c/level', 'debug')] });
    expect(state.values.get('level')).toBe('debug');
    state.applyBatch(0, { revision: 3, events: [{ type: 'delete', key: '/c/level', value: undefined, modRevision: 3 }] });
    expect(state.values.get('level')).toBe('info');
  });

  it('emits one change set per revision, and none when nothing changed', () => {
    const { state, emitted } = makeState(['/c/']);
    state.applyReset(0, { revision: 2, kvs: [kv('/c/a', '1'), kv('/c/b', '2')] });
    expect(emitted).toHaveLength(1);
    state.applyReset(0, { revision: 3, kvs: [kv('/c/a', '1'), kv('/c/b', '2')] });
    expect(emitted).toHaveLength(1);
    expect(state.revision).toBe(3);
    state.applyReset(0, { revision: 4, kvs: [kv('/c/a', '10')] });
    expect(emitted[1]?.map((c) => `${c.type}:${c.path}`).sort()).toEqual(['delete:b', 'put:a']);
  });

  it('uses pages decoded early only where path and value still match the final read', () => {
    const { state } = makeState(['/c/'], { n: z.coerce.number() });
    state.decodeEarly(0, [kv('/c/n', '1')], 0);
    state.applyReset(0, { revision: 2, kvs: [kv('/c/n', '2')] });
    expect(state.values.get('n')).toBe(2);
  });

  it('restores raw layers from a snapshot and hands them back without the omitted paths', () => {
    const { state } = makeState(['/c/']);
    state.restore({ '/c/': { a: '1', 'db/password': '"s3cret"' } }, 40);
    expect(state.values.get('a')).toBe(1);
    expect(state.revision).toBe(40);
    expect(state.rawLayers((path) => path.endsWith('password'))).toEqual({ '/c/': { a: '1' } });
  });

  it('applies a path named like an Object.prototype member without touching the prototype', () => {
    const { state, errors } = makeState(['/c/']);
    state.applyReset(0, { revision: 2, kvs: [kv('/c/__proto__/polluted', 'true'), kv('/c/constructor', '1')] });
    expect(state.values.get('__proto__/polluted')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['UNSAFE_KEY', 'UNSAFE_KEY']);
  });
});

describe('ConfigState: required keys stay', () => {
  const schema = {
    host: z.string(),
    note: z.string().optional(),
    level: z.string().default('info'),
  };

  it('refuses the delete of a required key (the last good value stays), lets an optional key go, gives a defaulted one its default', () => {
    const { state, errors, emitted } = makeState(['/c/'], schema);
    state.applyReset(0, { revision: 2, kvs: [kv('/c/host', '"db"'), kv('/c/note', '"n"'), kv('/c/level', '"debug"')] });
    state.applyReset(0, { revision: 3, kvs: [] }); // an emptied file, say
    expect(state.values.get('host')).toBe('db');
    expect(state.values.has('note')).toBe(false);
    expect(state.values.get('level')).toBe('info');
    expect(
      emitted
        .at(-1)
        ?.map((c) => c.path)
        .sort(),
    ).toEqual(['level', 'note']);
    expect(errors.map((e) => [e.code, e.key])).toEqual([['INVALID_VALUE', '/c/host']]);
    expect(errors[0]?.message).toContain('"db" stays in force');
    expect([...state.refused.values()]).toEqual([
      { path: 'host', key: '/c/host', reason: 'deleted', message: expect.stringContaining('requires'), kept: true },
    ]);
    // Written again: accepted, no longer refused.
    state.applyBatch(0, { revision: 4, events: [{ type: 'put', key: '/c/host', value: '"db"', modRevision: 4 }] });
    expect(state.refused.size).toBe(0);
  });

  it('lists a required key that was never set as missing once every layer is loaded', () => {
    const { state } = makeState(['/base/', '/prod/'], schema);
    state.applyReset(0, { revision: 2, kvs: [] });
    expect(state.refused.size).toBe(0); // the other layer may still hold it
    state.applyReset(1, { revision: 3, kvs: [] });
    expect(state.refused.get('host')).toMatchObject({ reason: 'missing', kept: false, key: '/prod/host' });
    state.applyBatch(0, { revision: 4, events: [{ type: 'put', key: '/base/host', value: 'db', modRevision: 4 }] });
    expect(state.refused.size).toBe(0);
  });

  it('lists an invalid value with its raw text clipped, never a secret one', () => {
    const { state } = makeState(['/c/'], { port: z.coerce.number(), 'db/password': z.string().min(10) });
    state.applyReset(0, { revision: 2, kvs: [kv('/c/port', 'x'.repeat(200)), kv('/c/db/password', '"short"')] });
    expect(state.refused.get('port')?.raw).toBe(`${'x'.repeat(120)}…`);
    expect(state.refused.get('db/password')).toMatchObject({ reason: 'invalid', kept: false });
    expect(state.refused.get('db/password')?.raw).toBeUndefined();
  });
});
