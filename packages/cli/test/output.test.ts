import { DialsError } from '@dials/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, fail, parseDuration, table, UsageError } from '../src/output.js';

afterEach(() => vi.restoreAllMocks());

describe('exit codes', () => {
  it('map each kind of failure to the code scripts branch on', () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(fail(new UsageError('bad'), false)).toBe(EXIT.usage);
    expect(fail(new DialsError('CONFLICT', 'moved', { revision: 7 }), true)).toBe(EXIT.conflict);
    expect(fail(new DialsError('UNAVAILABLE', 'down'), true)).toBe(EXIT.unreachable);
    expect(fail(new DialsError('TIMEOUT', 'slow'), true)).toBe(EXIT.unreachable);
    expect(fail(new DialsError('PERMISSION_DENIED', 'no'), true)).toBe(EXIT.failed);
    expect(fail(new Error('boom'), false)).toBe(EXIT.failed);
    expect([EXIT.ok, EXIT.failed, EXIT.usage, EXIT.conflict, EXIT.unreachable]).toEqual([0, 1, 2, 3, 4]);
  });

  it('writes the error as JSON with --json', () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    fail(new DialsError('CONFLICT', 'key moved'), true);
    expect(JSON.parse(out.join(''))).toEqual({ error: { code: 'CONFLICT', message: 'key moved' } });
  });
});

describe('helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('250')).toBe(250);
    expect(() => parseDuration('soon')).toThrow(UsageError);
  });

  it('aligns tables', () => {
    expect(
      table([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).toBe('a    bb\nccc  d');
  });
});
