import type { BooleanFlagKey, EvaluationContext, EvaluationDetails, Flags, FlagTypes, FlagValue, FlagValueOf, Widen } from '@dials/flags';

const NO_CONTEXT: EvaluationContext = Object.freeze({});

/**
 * Flags bound to one request: the context is built from the request on first use, and each flag
 * is evaluated at most once per request, so a handler sees one answer however often it asks.
 */
export class RequestFlags<TFlags extends FlagTypes = FlagTypes, TRequest = unknown> {
  private context: EvaluationContext | undefined;
  // Most requests ask for one flag: keep it in two fields, and make a Map only for a second one.
  private firstKey: string | undefined;
  private firstDetails: EvaluationDetails | undefined;
  private seen: Map<string, EvaluationDetails> | undefined;

  constructor(
    private readonly flags: Flags<TFlags> | undefined,
    private readonly makeContext: ((request: TRequest) => EvaluationContext) | undefined,
    private readonly request?: TRequest,
  ) {}

  /** The evaluation context of this request. */
  get evaluationContext(): EvaluationContext {
    this.context ??= this.makeContext ? this.makeContext(this.request as TRequest) : NO_CONTEXT;
    return this.context;
  }

  evaluate<TKey extends keyof TFlags & string>(key: TKey): EvaluationDetails<FlagValueOf<TFlags, TKey> | undefined> {
    if (key === this.firstKey) return this.firstDetails as EvaluationDetails<FlagValueOf<TFlags, TKey> | undefined>;
    let details = this.seen?.get(key);
    if (!details) {
      details = this.flags ? (this.flags.evaluate(key, this.evaluationContext) as EvaluationDetails) : missing(key);
      if (this.firstKey === undefined) {
        this.firstKey = key;
        this.firstDetails = details;
      } else {
        this.seen ??= new Map();
        this.seen.set(key, details);
      }
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
