import { describe, expect, it } from 'vitest';
import { consoleTarget } from '../src/index.js';

describe('consoleTarget', () => {
  it('applies its initial level at once: debug is muted at info before the level ever moves', () => {
    const lines: string[] = [];
    const fake = { ...console, debug: (line: string) => lines.push(`debug ${line}`), info: (line: string) => lines.push(`info ${line}`) };
    const target = consoleTarget({ console: fake as Console, initial: 'info' });
    fake.debug('hidden');
    fake.info('shown');
    expect(lines).toEqual(['info shown']);
    target.setLevel('debug');
    fake.debug('now shown');
    expect(lines).toEqual(['info shown', 'debug now shown']);
  });
});
