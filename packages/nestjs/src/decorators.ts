import { Inject, SetMetadata } from '@nestjs/common';
import { DIALS_CONFIG, ON_CONFIG_CHANGE_METADATA } from './tokens.js';

/**
 * Inject the typed config as a live view: `this.config.database.host` always reads the current
 * value (type it with `ConfigOf<typeof schema>`).
 */
export function InjectConfig(): ParameterDecorator & PropertyDecorator {
  return Inject(DIALS_CONFIG);
}

/**
 * Call this provider method with the new value after each change of `path` (not for the value at
 * start), like @nestjs/event-emitter's `@OnEvent`.
 *
 * @example
 * @OnConfigChange('database/host') reconnect(host: string) { ... }
 */
export function OnConfigChange(path: string): MethodDecorator {
  return SetMetadata(ON_CONFIG_CHANGE_METADATA, path);
}
