import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envName, envPath, formatEnv, parseEnv, quoteEnvValue, readEnv } from '../src/formats/env.js';
import { DataError, UsageError } from '../src/output.js';

/**
 * The `dotenv` package's parse(), as in its lib/main.js: the oracle for what dotenv itself
 * reads from a file we write (it is not a dependency of the CLI).
 */
function dotenvParse(src: string): Record<string, string> {
  const LINE =
    /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;
  const obj: Record<string, string> = {};
  const lines = src.replace(/\r\n?/gm, '\n');
  for (let match = LINE.exec(lines); match !== null; match = LINE.exec(lines)) {
    let value = (match[2] || '').trim();
    const maybeQuote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
    if (maybeQuote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    obj[match[1] as string] = value;
  }
  return obj;
}

const decode = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Equal as JSON values (so 0 and -0, which JSON cannot tell apart, are equal). */
const sameJson = (a: unknown, b: unknown) => expect(JSON.stringify(b)).toBe(JSON.stringify(a));

const HOSTILE = [
  'two words',
  '  padded  ',
  'a # not a comment',
  '#hash',
  "it's",
  'say "hi"',
  `both ' and "`,
  'back`tick',
  'line one\nline two',
  'trailing newline\n',
  '\nleading newline',
  'literal \\n, not a newline',
  'windows\r\nline',
  'tab\there',
  'ünïcödé ✓ 😀',
  '',
  '=',
  'KEY=VALUE',
  'ends with a backslash\\',
  '$HOME and $(not run)',
  '5432',
  'true',
  'null',
  '{"looks":"like JSON"}',
  '"quoted JSON string"',
  `all three ' " \` quotes`,
];

describe('.env values', () => {
  it('round-trips hostile strings, and dotenv itself reads the same strings', () => {
    const entries = new Map<string, unknown>(HOSTILE.map((value, i) => [`k${i}`, value]));
    const text = formatEnv(entries);
    const back = readEnv(text);
    expect([...back.keys()]).toEqual([...entries.keys()]);
    for (const [path, value] of entries) expect(decode(back.get(path) as string)).toBe(value);
    const dotenv = dotenvParse(text);
    for (const [path, value] of entries) expect(dotenv[envName(path) as string]).toBe(value);
  });

  it('writes strings quoted, choosing a quote the value does not need', () => {
    expect(quoteEnvValue('db.internal')).toBe('"db.internal"');
    expect(quoteEnvValue('a\nb')).toBe('"a\\nb"');
    expect(quoteEnvValue('say "hi"')).toBe(`'say "hi"'`);
    expect(quoteEnvValue('literal \\n')).toBe("'literal \\n'");
    expect(quoteEnvValue(`it's "x"`)).toBe(`\`it's "x"\``);
    expect(quoteEnvValue(`'"\``)).toBe(undefined); // bare would start with a quote
    expect(quoteEnvValue(`a'"\`\r`)).toBe(undefined); // a carriage return needs double quotes
    expect(quoteEnvValue(`a'"\`b`)).toBe(`a'"\`b`); // bare: no #, no quote first, not JSON
  });

  it('writes other JSON bare, so it comes back as JSON and not as a string', () => {
    const entries = new Map<string, unknown>([
      ['port', 5432],
      ['on', true],
      ['none', null],
      ['list', ['a#b', 'c d', "'"]],
      ['object', { nested: { '#': 1 } }],
    ]);
    const text = formatEnv(entries);
    expect(text).toContain('PORT=5432\nON=true\nNONE=null\n');
    expect(text).not.toMatch(/#/); // `#` would end a bare value: it is written \u0023 inside JSON strings
    const back = readEnv(text);
    for (const [path, value] of entries) sameJson(value, JSON.parse(back.get(path) as string));
  });

  it('refuses, naming every key, what it cannot write so that it reads back the same', () => {
    const entries = new Map<string, unknown>([
      ['ok', 1],
      ['Upper/case', 1],
      ['sp ace', 1],
      ['a__b', 1],
      ['a_/b', 1],
      ['quotes', `'"\`\r`],
    ]);
    expect(() => formatEnv(entries)).toThrow(UsageError);
    expect(() => formatEnv(entries)).toThrow(/Upper\/case, sp ace, a__b, a_\/b;.*quotes.*--format json or yaml/);
  });

  it('property: whatever the strings and JSON values, a file it writes reads back to the same keys and values', () => {
    const hostileChar = fc.constantFrom(
      'a',
      'Z',
      ' ',
      '\t',
      '#',
      "'",
      '"',
      '`',
      '\n',
      '\r',
      '\\',
      'n',
      'r',
      '=',
      ':',
      '$',
      'é',
      '😀',
      '\u2028',
    );
    const text = fc.oneof(
      fc.string({ unit: hostileChar, maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom(...HOSTILE),
    );
    const segment = fc.string({ unit: fc.constantFrom('a', 'b', '0', '_', '.', '-'), minLength: 1, maxLength: 5 });
    const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
    const value = fc.oneof(text, fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.dictionary(path, value, { maxKeys: 8 }), (record) => {
        const entries = new Map(Object.entries(record));
        let written: string;
        try {
          written = formatEnv(entries);
        } catch (error) {
          // Refused: only with a usage error that names a key it could not write.
          expect(error).toBeInstanceOf(UsageError);
          expect([...entries.keys()].some((p) => (error as Error).message.includes(p))).toBe(true);
          return;
        }
        const back = readEnv(written);
        expect(new Set(back.keys())).toEqual(new Set(entries.keys()));
        for (const [p, v] of entries) sameJson(v, decode(back.get(p) as string));
        const dotenv = dotenvParse(written);
        for (const [p, v] of entries) if (typeof v === 'string') expect(dotenv[envName(p) as string]).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a string only when no quoting can hold it', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '#', "'", '"', '`', '\n', '\\', 'n'), maxLength: 10 }), (value) => {
        // Double quotes fail on `"` or a literal \n; single quotes and backticks on their own character.
        const noDouble = value.includes('"') || /\\[nr]/.test(value);
        const refusable = noDouble && value.includes("'") && value.includes('`');
        if (!refusable && !value.endsWith('\\')) expect(quoteEnvValue(value)).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('.env names and files', () => {
  it('nests with a double underscore and refuses names that would read back as another path', () => {
    expect(envName('database/host')).toBe('DATABASE__HOST');
    expect(envPath('DATABASE__HOST')).toBe('database/host');
    expect(envName('feature-x.v2/max_size')).toBe('FEATURE-X.V2__MAX_SIZE');
    expect(envName('a//b')).toBe('A____B');
    expect(envName('a/_b')).toBe('A___B'); // read back left to right: A, _B
    for (const bad of ['Database/host', 'a b', 'a__b', 'a_/b', 'ünï', '', 'a=b']) expect(envName(bad)).toBeUndefined();
  });

  it('reads comments, export, KEY: value, inline comments and multi-line quotes like dotenv', () => {
    const text = [
      '# a comment',
      '',
      'export PORT=5432',
      'HOST: db.internal # where',
      "SINGLE='a # b'",
      'DOUBLE="x\\ny"',
      'MULTI="one',
      'two"',
      'TICK=`say "hi" it\'s`',
      'QUOTED_NUMBER="5432"',
      'EMPTY=',
      'crlf=1\r',
    ].join('\n');
    expect(Object.fromEntries(parseEnv(text).map((e) => [e.name, e.value]))).toEqual(dotenvParse(text));
    expect(Object.fromEntries(readEnv(text))).toEqual({
      port: '5432',
      host: '"db.internal"',
      single: '"a # b"',
      double: '"x\\ny"',
      multi: '"one\\ntwo"',
      tick: '"say \\"hi\\" it\'s"',
      quoted_number: '"5432"',
      empty: '""',
      crlf: '1',
    });
  });

  it('refuses a line that is not KEY=VALUE, with its number, where dotenv would skip it silently', () => {
    expect(() => readEnv('A=1\n\nnot a statement\n')).toThrow(new DataError('line 3: not a KEY=VALUE line: not a statement'));
    expect(dotenvParse('A=1\n\nnot a statement\n')).toEqual({ A: '1' });
  });
});
