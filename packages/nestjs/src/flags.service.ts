import { DialsError } from '@dials/core';
import type { BooleanFlagKey, EvaluationContext, EvaluationDetails, Flags, FlagTypes, FlagValue, FlagValueOf, Widen } from '@dials/flags';
import { Inject, Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { DIALS_FLAGS } from './tokens.js';

/** Feature flags for injection: `FlagsService<{ 'new-checkout': boolean }>`. */
@Injectable()
export class FlagsService<TFlags extends FlagTypes = FlagTypes> {
  constructor(@Inject(DIALS_FLAGS) private readonly maybeFlags: Flags<TFlags> | null) {}

  /** The Flags instance; throws when DialsModule was given no `flags` option. */
  get flags(): Flags<TFlags> {
    if (!this.maybeFlags)
      throw new DialsError('INVALID_ARGUMENT', 'FlagsService: give DialsModule.forRoot() a `flags: { prefix }` option to use flags');
    return this.maybeFlags;
  }

  isEnabled(key: BooleanFlagKey<TFlags>, context?: EvaluationContext): boolean {
    return this.flags.isEnabled(key, context);
  }

  evaluate<TKey extends keyof TFlags & string>(
    key: TKey,
    context?: EvaluationContext,
  ): EvaluationDetails<FlagValueOf<TFlags, TKey> | undefined> {
    return this.flags.evaluate(key, context);
  }

  getValue<TKey extends keyof TFlags & string>(
    key: TKey,
    defaultValue: Widen<FlagValueOf<TFlags, TKey>>,
    context?: EvaluationContext,
  ): Widen<FlagValueOf<TFlags, TKey>> {
    return this.flags.getValue(key, defaultValue, context);
  }

  value$<TKey extends keyof TFlags & string>(key: TKey, context?: EvaluationContext): Observable<FlagValueOf<TFlags, TKey> | undefined> {
    return this.flags.value$(key, context);
  }

  resolve<TValue extends FlagValue>(key: string, defaultValue: TValue, context?: EvaluationContext): EvaluationDetails<TValue> {
    return this.flags.resolve(key, defaultValue, context);
  }
}
