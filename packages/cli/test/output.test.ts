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

describe('visible', () => {
  it('passes only the colours `color` emits, and only while it emits them; every other escape is shown', async () => {
    const plain = await import('../src/output.js');
    // Colours are off here (stdout is not a terminal): no escape passes, ours neither.
    expect(plain.visible('\u001b[31mred\u001b[0m \u001b[8mhidden\r')).toBe('\\x1b[31mred\\x1b[0m \\x1b[8mhidden\\x0d');
    vi.resetModules();
    const wasTTY = process.stdout.isTTY;
    const noColor = process.env.NO_COLOR;
    process.stdout.isTTY = true;
    delete process.env.NO_COLOR;
    try {
      const { color, visible } = await import('../src/output.js');
      const ours = color.red('red');
      expect(ours).toBe('\u001b[31mred\u001b[0m');
      expect(visible(`${ours} ${color.dim('d')} \u001b[8mhidden \u001b[1;31mx \u001b]0;title\u0007`)).toBe(
        `${ours} \u001b[2md\u001b[0m \\x1b[8mhidden \\x1b[1;31mx \\x1b]0;title\\x07`,
      );
    } finally {
      process.stdout.isTTY = wasTTY;
      if (noColor !== undefined) process.env.NO_COLOR = noColor;
      vi.resetModules();
    }
  });
});
