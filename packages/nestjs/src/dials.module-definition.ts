import type { DialsOptions, SchemaMap, Source } from '@dials/core';
import type { EvaluationContext } from '@dials/flags';
import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface DialsFlagsModuleOptions {
  /** The prefix holding one key per flag, e.g. `/flags/shop/production/`. */
  readonly prefix: string;
  /** Where the flags live; default: the config's source. */
  readonly source?: Source;
  /** The evaluation context of a request, for `@FeatureFlag()` and `FeatureFlagGuard`. */
  readonly context?: (request: unknown) => EvaluationContext;
}

/** `createDials()`'s options, plus flags. */
export interface DialsModuleOptions<TSchema extends SchemaMap = SchemaMap> extends DialsOptions<TSchema> {
  readonly flags?: DialsFlagsModuleOptions;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<DialsModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
