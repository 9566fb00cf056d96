import type { BooleanFlagKey, EvaluationContext, EvaluationDetails, Flags, FlagTypes, FlagValue, FlagValueOf, Widen } from '@dials/flags';

const NO_CONTEXT: EvaluationContext = Object.freeze({});

/**
 * Flags bound to one request: the context is built from the request on first use, and each flag
 * is evaluated at most once per request, so a handler sees one answer however often it asks.
 */
export class RequestFlags<TFlags extends FlagTypes = FlagTypes> {
  private context: EvaluationContext | undefined;
  private readonly seen = new Map<string, EvaluationDetails>();

  constructor(
    private readonly flags: Flags<TFlags> | undefined,
    private readonly makeContext: (() => EvaluationContext) | undefined,
  ) {}

  /** The evaluation context of this request. */
  get evaluationContext(): EvaluationContext {
    this.context ??= this.makeContext ? this.makeContext() : NO_CONTEXT;
    return this.context;
  }

  evaluate<TKey extends keyof TFlags & string>(key: TKey): EvaluationDetails<FlagValueOf<TFlags, TKey> | undefined> {
    let details = this.seen.get(key);
    if (!details) {
      details = this.flags ? (this.flags.evaluate(key, this.evaluationContext) as EvaluationDetails) : missing(key);
      this.seen.set(key, details);
    }
    return details as EvaluationDetails<FlagValueOf<TFlags, TKey> | undefined>;
  }

  isEnabled(key: BooleanFlagKey<TFlags>): boolean {
    return this.evaluate(key as keyof TFlags & string).value === true;
  }

  getValue<TKey extends keyof TFlags & string>(
    key: TKey,
    defaultValue: Widen<FlagValueOf<TFlags, TKey>>,
  ): Widen<FlagValueOf<TFlags, TKey>> {
    const value = this.evaluate(key).value as FlagValue | undefined;
    return (value !== undefined && typeof value === typeof defaultValue ? value : defaultValue) as Widen<FlagValueOf<TFlags, TKey>>;
  }
}

function missing(flagKey: string): EvaluationDetails {
  return {
    flagKey,
    value: undefined,
    reason: 'ERROR',
    errorCode: 'FLAG_NOT_FOUND',
    errorMessage: 'no flags were given to dialsMiddleware',
    flagMetadata: {},
  };
}
