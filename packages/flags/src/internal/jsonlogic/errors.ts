/** A flag document or targeting tree that cannot be compiled: unknown operator, bad shape, over the limits. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
}

/** Thrown at evaluation for what JsonLogic treats as an error (NaN arithmetic, a bad comparison). */
export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';
}

/** An evaluation stopped because it would build a value over the limits: its message names the limit. */
export class LimitError extends EvaluationError {}
