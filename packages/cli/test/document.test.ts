import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfigTree } from '@dials/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { nestedDocument, unfaithfulValues } from '../src/formats/document.js';
import { readEntries } from '../src/formats/read-entries.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-document-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `dials export` prints for each format, read back by `dials import`'s reader from a file. */
function roundTrip(entries: ReadonlyMap<string, unknown>, format: 'json' | 'yaml'): Map<string, string> {
  const document = nestedDocument(entries);
  const file = join(dir, `export.${format}`);
  writeFileSync(file, format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringifyYaml(document));
  return readEntries(file).entries;
}

function expectSameKeys(entries: ReadonlyMap<string, unknown>, back: ReadonlyMap<string, string>) {
  expect([...back.keys()].sort()).toEqual([...entries.keys()].sort());
  for (const [path, value] of entries) expect(back.get(path)).toBe(JSON.stringify(value));
}

const pristine = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeUntouched() {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pristine);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('export documents (json, yaml)', () => {
  const awkward = new Map<string, unknown>([
    ['__proto__/polluted', 'yes'],
    ['constructor/prototype/x', 1],
    ['prototype', [1, 2]],
    ['a', 1],
    ['a/b', 2],
    ['a/b/c', 3],
    ['x//y', 'empty segment'],
    ['trailing/', 'slash'],
    ['/leading', 'slash'],
    ['ünï/cödé ✓', 'non-ASCII'],
    ['flags/new-checkout', true],
    ['database/host', 'db'],
    ['database/port', 5432],
  ]);

  it('keeps every key, whatever its name, and pollutes nothing', () => {
    for (const format of ['json', 'yaml'] as const) expectSameKeys(awkward, roundTrip(awkward, format));
    expectPrototypeUntouched();
  });

  it('nests what a tree can hold and writes the rest flat under its whole path', () => {
    const document = nestedDocument(awkward);
    expect(Object.getPrototypeOf(document)).toBeNull();
    expect(JSON.parse(JSON.stringify(document))).toEqual({
      ['__proto__']: { polluted: 'yes' },
      constructor: { prototype: { x: 1 } },
      prototype: [1, 2],
      a: 1,
      ünï: { 'cödé ✓': 'non-ASCII' },
      database: { host: 'db', port: 5432 },
      'a/b': 2,
      'a/b/c': 3,
      'x//y': 'empty segment',
      'trailing/': 'slash',
      '/leading': 'slash',
      'flags/new-checkout': true,
    });
    expect(Object.hasOwn(JSON.parse(JSON.stringify(document)), '__proto__')).toBe(true);
  });

  it('names the keys import would split or skip: JSON objects and null', () => {
    const entries = new Map<string, unknown>([
      ['object', { a: 1 }],
      ['empty', {}],
      ['none', null],
      ['list', [{ a: 1 }, null]],
      ['text', 'x'],
    ]);
    expect(unfaithfulValues(entries)).toEqual(['object', 'empty', 'none']);
    // What the warning says happens: the object becomes a key per leaf, {} and null no key.
    expect([...roundTrip(entries, 'json')]).toEqual([
      ['object/a', '1'],
      ['list', '[{"a":1},null]'],
      ['text', '"x"'],
    ]);
  });

  it('property: export → import gives back exactly the keys and values, for hostile names', () => {
    const segment = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'flags', '$evaluators', 'a', 'b', ''),
      fc.constantFrom('ü', '✓ ok', '1', '0', '-1', 'null', 'true', '~', '<<', '-', ' ', '#', ':', '? x', '&a', '*a', '!tag', 'a.b'),
      fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => !s.includes('/')),
    );
    const path = fc
      .array(segment, { minLength: 1, maxLength: 4 })
      .map((s) => s.join('/'))
      .filter((p) => p !== '');
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('', ' a ', 'a\n', 'a\n\n', '\n', '- x', 'yes', '0x1F', '1e3'),
    );
    const value = fc.oneof(
      text,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(path, value), { selector: ([p]) => p, maxLength: 10 }), (pairs) => {
        const entries = new Map(pairs);
        for (const format of ['json', 'yaml'] as const) {
          const back = roundTrip(entries, format);
          expect([...back.keys()].sort()).toEqual([...entries.keys()].sort());
          for (const [p, v] of entries) expect(back.get(p)).toBe(JSON.stringify(v));
        }
        expectPrototypeUntouched();
      }),
      { numRuns: 400 },
    );
    // 400 runs take about a second alone; allow for a loaded CI machine.
  }, 30_000);
});

describe("core's buildConfigTree", () => {
  const paths = new Map<string, unknown>([
    ['__proto__/polluted', 1],
    ['constructor', 2],
    ['ok', 3],
  ]);

  it('leaves unsafe segments out by default, for the config view', () => {
    expect(Object.keys(buildConfigTree(paths))).toEqual(['ok']);
  });

  it('keeps them as own properties of null-prototype nodes with keepUnsafe', () => {
    const tree = buildConfigTree(paths, { keepUnsafe: true });
    expect(Object.keys(tree)).toEqual(['__proto__', 'constructor', 'ok']);
    const proto = Object.getOwnPropertyDescriptor(tree, '__proto__')?.value as object;
    expect(Object.getPrototypeOf(proto)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(proto, 'polluted')?.value).toBe(1);
    expectPrototypeUntouched();
  });
});
