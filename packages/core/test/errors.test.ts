import { describe, expect, it } from 'vitest';
import { DialsError, isDialsError } from '../src/errors.js';

describe('isDialsError', () => {
  it('recognises an error made by another copy of @dials/core', async () => {
    // A second instance of the module, as a bundle or a nested install would load it.
    const copy = '../src/errors.js?copy';
    const other = (await import(/* @vite-ignore */ copy)) as typeof import('../src/errors.js');
    expect(other.DialsError).not.toBe(DialsError);
    const foreign = new other.DialsError('CONFLICT', 'moved');
    expect(foreign instanceof DialsError).toBe(false);
    expect(isDialsError(foreign)).toBe(true);
    expect(other.isDialsError(new DialsError('TIMEOUT', 'slow'))).toBe(true);
  });

  it('refuses look-alikes', () => {
    expect(isDialsError(Object.assign(new Error('x'), { name: 'DialsError', code: 'CONFLICT' }))).toBe(false);
    expect(isDialsError(undefined)).toBe(false);
  });
});
