import { DialsError } from '@dials/core';
import type {
  EvaluationContext,
  EvaluationDetails,
  EvaluationErrorCode,
  EvaluationReason,
  FlagDefinition,
  FlagMetadata,
  FlagValue,
} from '../types.js';
import { compileTargeting, DEFAULT_LIMITS, measure } from './jsonlogic/compile.js';
import { CompileError, LimitError } from './jsonlogic/errors.js';
import type { CompileLimits, Expr } from './jsonlogic/types.js';
import { type FlagCounter, type Outcome, UNCOUNTED } from './usage.js';

type Details = EvaluationDetails<FlagValue | undefined>;

const EMPTY: FlagMetadata = Object.freeze({});

function error(flagKey: string, code: EvaluationErrorCode, message: string, flagMetadata: FlagMetadata): Details {
  return Object.freeze({ flagKey, value: undefined, reason: 'ERROR' as const, errorCode: code, errorMessage: message, flagMetadata });
}

/** A result for a missing flag: the caller's default comes in later. */
export function notFound(flagKey: string): Details {
  return error(flagKey, 'FLAG_NOT_FOUND', `flag '${flagKey}' not found`, EMPTY);
}

/**
 * A flag ready to evaluate: targeting compiled to closures, and every possible outcome built
 * once as a frozen object, so an evaluation allocates nothing but what targeting itself needs.
 */
export class CompiledFlag {
  readonly enabled: boolean;
  readonly metadata: FlagMetadata;
  private readonly targeting: Expr | undefined;
  /** Each variant's answer and its counter. */
  private readonly byVariant = new Map<string, { readonly details: Details; readonly outcome: Outcome }>();
  private readonly fallback: Details;
  private readonly disabled: Details;
  private readonly general: Details;
  private readonly fallbackOutcome: Outcome;
  private readonly disabledOutcome: Outcome;
  private readonly errorOutcome: Outcome;
  /** The counter `isEnabled`'s callers bump for a flag whose answer does not depend on the context. */
  readonly constantOutcome: Outcome;

  constructor(
    readonly key: string,
    readonly definition: FlagDefinition,
    evaluators: Readonly<Record<string, unknown>>,
    limits: CompileLimits | undefined,
    private readonly counter: FlagCounter = UNCOUNTED,
  ) {
    validate(definition);
    this.enabled = definition.state === 'ENABLED';
    this.metadata = Object.freeze({ ...(definition.metadata ?? {}) });
    const defaultVariant = definition.defaultVariant || undefined;
    const targeting = definition.targeting;
    if (targeting !== undefined && targeting !== null && !(typeof targeting === 'object' && Object.keys(targeting).length === 0)) {
      const bounds = limits ?? DEFAULT_LIMITS;
      measure(targeting, bounds);
      const expanded = resolveRefs(targeting, evaluators, bounds.maxNodes);
      checkBuckets(expanded, definition.variants);
      this.targeting = compileTargeting(expanded, { flagKey: key }, bounds);
    }
    for (const [variant, value] of Object.entries(definition.variants)) {
      const details = Object.freeze({
        flagKey: key,
        value,
        variant,
        reason: 'TARGETING_MATCH' as EvaluationReason,
        flagMetadata: this.metadata,
      });
      this.byVariant.set(variant, { details, outcome: counter.outcome(variant, 'TARGETING_MATCH') });
    }
    const reason: EvaluationReason = this.targeting ? 'DEFAULT' : 'STATIC';
    this.fallback =
      defaultVariant === undefined
        ? Object.freeze({ flagKey: key, value: undefined, reason: 'DEFAULT' as const, flagMetadata: this.metadata })
        : Object.freeze({
            flagKey: key,
            value: definition.variants[defaultVariant],
            variant: defaultVariant,
            reason,
            flagMetadata: this.metadata,
          });
    this.disabled = Object.freeze({ flagKey: key, value: undefined, reason: 'DISABLED' as const, flagMetadata: this.metadata });
    this.general = error(key, 'GENERAL', `Error evaluating targeting rule for flag '${key}'`, this.metadata);
    this.fallbackOutcome = counter.outcome(this.fallback.variant ?? '', this.fallback.reason);
    this.disabledOutcome = counter.outcome('', 'DISABLED');
    this.errorOutcome = counter.outcome('', 'ERROR');
    this.constantOutcome = this.enabled ? this.fallbackOutcome : this.disabledOutcome;
    this.isEnabled = this.compileIsEnabled();
    this.constantDetails = !this.enabled ? this.disabled : this.targeting ? undefined : this.fallback;
    this.constantEnabled = this.constantDetails === undefined ? undefined : this.constantDetails.value === true;
  }

  private compileIsEnabled(): (context: EvaluationContext) => boolean {
    if (!this.enabled) return () => false;
    const fallback = this.fallback.value === true;
    const targeting = this.targeting;
    if (!targeting) return () => fallback;
    if (this.counter === UNCOUNTED) {
      // The variants whose value is true, by name: no details object on the hot path.
      const on = new Set([...this.byVariant].filter(([, v]) => v.details.value === true).map(([name]) => name));
      return (context) => {
        let result: unknown;
        try {
          result = targeting(context);
        } catch {
          return false;
        }
        if (result === null || result === undefined) return fallback;
        return on.has(typeof result === 'string' ? result : String(result));
      };
    }
    // Counting: each answer bumps its outcome's counter, the one thing usage costs on the hot path.
    const byVariant = this.byVariant;
    const { fallbackOutcome, errorOutcome } = this;
    return (context) => {
      let result: unknown;
      try {
        result = targeting(context);
      } catch {
        errorOutcome.count++;
        return false;
      }
      if (result === null || result === undefined) {
        fallbackOutcome.count++;
        return fallback;
      }
      const answer = byVariant.get(typeof result === 'string' ? result : String(result));
      if (answer === undefined) {
        errorOutcome.count++;
        return false;
      }
      answer.outcome.count++;
      return answer.details.value === true;
    };
  }

  /** Whether the flag's value for `context` is `true`: evaluate() without building anything. */
  readonly isEnabled: (context: EvaluationContext) => boolean;
  /** The answer of `isEnabled` when it does not depend on the context (no targeting, or disabled). */
  readonly constantEnabled: boolean | undefined;
  /** The answer of `evaluate` when it does not depend on the context, counted in `constantOutcome`. */
  readonly constantDetails: Details | undefined;

  /** The variant's details (value undefined when the caller's default applies). Never throws. */
  evaluate(context: EvaluationContext): Details {
    if (!this.enabled) {
      this.disabledOutcome.count++;
      return this.disabled;
    }
    if (!this.targeting) {
      this.fallbackOutcome.count++;
      return this.fallback;
    }
    let result: unknown;
    try {
      result = this.targeting(context);
    } catch (caught) {
      this.errorOutcome.count++;
      // Over a limit: say which, as the usual message would leave the flag's author guessing.
      if (caught instanceof LimitError) return error(this.key, 'GENERAL', `${this.general.errorMessage}: ${caught.message}`, this.metadata);
      return this.general;
    }
    if (result === null || result === undefined) {
      this.fallbackOutcome.count++;
      return this.fallback;
    }
    const variant = String(result);
    const answer = this.byVariant.get(variant);
    if (answer === undefined) {
      this.errorOutcome.count++;
      return error(this.key, 'GENERAL', `Variant '${variant}' not found in flag with key '${this.key}'`, this.metadata);
    }
    answer.outcome.count++;
    return answer.details;
  }
}

/** A flag whose document could not be compiled and has no good version to fall back on. */
export class BrokenFlag {
  readonly enabled = true;
  readonly isEnabled = () => false;
  readonly constantEnabled = false;
  readonly constantOutcome: Outcome;
  readonly constantDetails: Details;
  private readonly details: Details;
  constructor(
    readonly key: string,
    readonly message: string,
    counter: FlagCounter = UNCOUNTED,
  ) {
    this.details = error(key, 'PARSE_ERROR', message, EMPTY);
    this.constantDetails = this.details;
    this.constantOutcome = counter.outcome('', 'ERROR');
  }
  evaluate(): Details {
    this.constantOutcome.count++;
    return this.details;
  }
}

function validate(definition: FlagDefinition): void {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new CompileError('a flag must be a JSON object');
  }
  if (definition.state !== 'ENABLED' && definition.state !== 'DISABLED') {
    throw new CompileError(`state must be ENABLED or DISABLED, got ${JSON.stringify(definition.state)}`);
  }
  const variants = definition.variants;
  if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) throw new CompileError('variants must be an object');
  if (definition.defaultVariant && !Object.hasOwn(variants, definition.defaultVariant)) {
    throw new CompileError(`defaultVariant '${definition.defaultVariant}' is not one of the variants`);
  }
}

/**
 * Replace `{"$ref": "name"}` with the shared rule from `$evaluators`, recursively. Counts objects
 * as `measure` does: rules that use another twice grow the tree exponentially with nesting.
 */
function resolveRefs(targeting: unknown, evaluators: Readonly<Record<string, unknown>>, maxNodes: number): unknown {
  let nodes = 0;
  const resolve = (node: unknown, depth: number): unknown => {
    if (depth > 512) throw new CompileError('$ref expansion is nested deeper than 512 levels (a cycle?)');
    if (node === null || typeof node !== 'object') return node;
    const keys = Array.isArray(node) ? [] : Object.keys(node);
    if (keys.length === 1 && keys[0] === '$ref') {
      const name = (node as { $ref: unknown }).$ref;
      if (typeof name === 'string' && Object.hasOwn(evaluators, name)) return resolve(evaluators[name], depth + 1);
      const known = Object.keys(evaluators);
      throw new CompileError(
        `$ref ${JSON.stringify(name)} names no shared rule in $evaluators (${known.length > 0 ? `it has ${known.join(', ')}` : 'there are none'})`,
      );
    }
    if (++nodes > maxNodes) throw new CompileError(`targeting has more than ${maxNodes} nodes once its $refs are expanded`);
    if (Array.isArray(node)) return node.map((item) => resolve(item, depth + 1));
    // fromEntries defines own keys: assigning `__proto__` would set the prototype and drop the operation.
    return Object.fromEntries(keys.map((key) => [key, resolve((node as Record<string, unknown>)[key], depth + 1)]));
  };
  return resolve(targeting, 0);
}

/** Every literal bucket of a `fractional` rule must name one of the flag's variants. */
function checkBuckets(targeting: unknown, variants: Readonly<Record<string, unknown>>): void {
  const stack = [targeting];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    for (const [op, raw] of Object.entries(node)) {
      if (op === 'fractional' && Array.isArray(raw)) {
        for (const bucket of raw) {
          const name = Array.isArray(bucket) ? bucket[0] : undefined;
          if (typeof name === 'string' && !Object.hasOwn(variants, name)) {
            throw new CompileError(`fractional bucket "${name}" is not one of the variants (${Object.keys(variants).join(', ')})`);
          }
        }
      }
      stack.push(raw);
    }
  }
}

/**
 * Check a flag document as `createFlags` would compile it. Throws a DialsError `PARSE_ERROR` whose
 * `key` is the flag's and whose message says what is wrong (bad state, a default variant that is
 * not a variant, an unknown operator, a tree over the limits).
 */
export function validateFlagDefinition(key: string, definition: unknown, evaluators: Readonly<Record<string, unknown>> = {}): void {
  try {
    new CompiledFlag(key, definition as FlagDefinition, evaluators, undefined);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DialsError('PARSE_ERROR', `Flag '${key}' is invalid: ${reason}`, { key, cause: error });
  }
}
