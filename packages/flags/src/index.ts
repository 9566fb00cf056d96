export { flagdFileSource, flagSetEntries } from './flagd-file.js';
export { createFlags, EVALUATORS_KEY, Flags, type FlagsChange, type FlagsOptions } from './flags.js';
export { validateFlagDefinition } from './internal/compile-flag.js';
export type { CompileLimits } from './internal/jsonlogic/types.js';
export { murmur3 } from './internal/murmur3.js';
export type {
  BooleanFlagKey,
  EvaluationContext,
  EvaluationDetails,
  EvaluationErrorCode,
  EvaluationReason,
  FlagDefinition,
  FlagMetadata,
  FlagSet,
  FlagTypes,
  FlagValue,
  FlagValueOf,
  JsonObject,
  JsonValue,
  Widen,
} from './types.js';
