import { describe, expect, it } from 'vitest';
import { flattenDocument } from '../src/file-source.js';
import { duplicateJsonKey } from '../src/internal/json-duplicates.js';

describe('documents with two values for one key', () => {
  it.each([
    ['{"a": 1, "a": 2}', 'a'],
    ['{"db": {"port": 1, "host": "x", "port": 2}}', 'db/port'],
    ['{"list": [{"k": 1, "k": 2}]}', 'list/[]/k'],
    ['{"a\\"b": 1, "a\\"b": 2}', 'a"b'],
  ])('names the repeated key of %s', (text, key) => {
    expect(duplicateJsonKey(text)).toBe(key);
  });

  it.each(['{"a": 1, "b": {"a": 2}}', '{"a": "\\"a\\": 1", "b": ["a", "a"]}', '[{"k": 1}, {"k": 2}]', '{"a": {"x": 1}, "b": {"x": 1}}'])(
    'finds none in %s',
    (text) => {
      expect(duplicateJsonKey(text)).toBeUndefined();
    },
  );

  it('refuses a path given twice when flattened ("a/b" and a: {b}), naming it', () => {
    expect(() => [...flattenDocument({ 'a/b': 1, a: { b: 2 } })]).toThrow(expect.objectContaining({ code: 'PARSE_ERROR', key: 'a/b' }));
    expect([...flattenDocument({ 'a/b': 1, a: { c: 2 } })]).toEqual([
      ['a/b', '1'],
      ['a/c', '2'],
    ]);
  });
});
