/** The Dials instance (after `ready()`). */
export const DIALS = Symbol.for('@dials/nestjs:dials');
/** The Flags instance, or null when the module has no `flags` option. */
export const DIALS_FLAGS = Symbol.for('@dials/nestjs:flags');
/** A live view of the typed config: every property read goes to the current snapshot. */
export const DIALS_CONFIG = Symbol.for('@dials/nestjs:config');
/** Metadata keys. */
export const FEATURE_FLAG_METADATA = '@dials/nestjs:feature-flag';
export const ON_CONFIG_CHANGE_METADATA = '@dials/nestjs:on-config-change';
