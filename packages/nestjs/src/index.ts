export { ConfigChangeExplorer } from './config-change.explorer.js';
export { InjectConfig, OnConfigChange } from './decorators.js';
export { DialsHealthIndicator, type DialsHealthResult } from './dials.health.js';
export { DialsModule } from './dials.module.js';
export {
  ASYNC_OPTIONS_TYPE,
  type DialsFlagsModuleOptions,
  type DialsModuleOptions,
  MODULE_OPTIONS_TOKEN as DIALS_MODULE_OPTIONS,
  OPTIONS_TYPE,
} from './dials.module-definition.js';
export { DialsService } from './dials.service.js';
export { FeatureFlag, FeatureFlagGuard } from './feature-flag.guard.js';
export { FlagsService } from './flags.service.js';
export { DIALS, DIALS_CONFIG, DIALS_FLAGS, FEATURE_FLAG_METADATA, ON_CONFIG_CHANGE_METADATA } from './tokens.js';
