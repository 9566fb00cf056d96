import { isDialsError } from '@dials/core';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { requireFlag } from '../src/index.js';

describe('requireFlag', () => {
  it('without dialsMiddleware before it, passes a DialsError naming the flag to next()', () => {
    let passed: unknown;
    const next = ((error?: unknown) => {
      passed = error;
    }) as NextFunction;
    requireFlag('beta')({} as Request, {} as Response, next);
    expect(isDialsError(passed) && passed.code).toBe('INVALID_ARGUMENT');
    expect(String(passed)).toContain("requireFlag('beta')");
  });
});
