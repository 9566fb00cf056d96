/** A flag's value: what its variants hold. */
export type FlagValue = boolean | string | number | JsonObject | readonly JsonValue[];
export type JsonValue = string | number | boolean | null | JsonObject | readonly JsonValue[];
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** One flag in flagd's flag-definition format (the OpenFeature flag schema). */
export interface FlagDefinition {
  readonly state: 'ENABLED' | 'DISABLED';
  readonly variants: Readonly<Record<string, FlagValue>>;
  readonly defaultVariant?: string | null;
  /** JsonLogic with flagd's operators; `{"$ref": "name"}` uses a shared rule from `$evaluators`. */
  readonly targeting?: unknown;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

/** A flagd flag-set document: `{ flags, $evaluators, metadata }`. */
export interface FlagSet {
  readonly flags: Readonly<Record<string, FlagDefinition>>;
  readonly $evaluators?: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

/** What targeting sees: `targetingKey` and any attributes. */
export type EvaluationContext = Readonly<Record<string, unknown>> & { readonly targetingKey?: string };

/** OpenFeature's resolution reasons. */
export type EvaluationReason = 'STATIC' | 'TARGETING_MATCH' | 'DEFAULT' | 'DISABLED' | 'ERROR';

/** OpenFeature's error codes. */
export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'PARSE_ERROR' | 'GENERAL';

export type FlagMetadata = Readonly<Record<string, string | number | boolean>>;

/** The outcome of one evaluation. `value` is the caller's default when there is no variant. */
export interface EvaluationDetails<TValue = FlagValue | undefined> {
  readonly flagKey: string;
  readonly value: TValue;
  readonly variant?: string;
  readonly reason: EvaluationReason;
  readonly errorCode?: EvaluationErrorCode;
  readonly errorMessage?: string;
  readonly flagMetadata: FlagMetadata;
}

/** Declared flag types, for compile errors on a typo: `createFlags<{ 'new-checkout': boolean }>(...)`. */
export type FlagTypes = Readonly<Record<string, FlagValue>>;

/** The keys of boolean flags (any string when flags are not declared). */
export type BooleanFlagKey<TFlags extends FlagTypes> = string extends keyof TFlags
  ? string
  : { [K in keyof TFlags & string]: TFlags[K] extends boolean ? K : never }[keyof TFlags & string];

/** The value type of a flag key (any flag value when flags are not declared). */
export type FlagValueOf<TFlags extends FlagTypes, TKey extends string> = TKey extends keyof TFlags ? TFlags[TKey] : FlagValue;

/** The widened type of a default value: a `'light'` default asks for a string. */
export type Widen<T> = T extends boolean ? boolean : T extends string ? string : T extends number ? number : T;
