import { type Dials, DialsError, type SchemaMap } from '@dials/core';
import { Subscription } from 'rxjs';
import { LEVELS, type LevelTarget, type LogLevel, normalizeLevel } from './levels.js';

export interface BindLogLevelOptions {
  /** The level when the key is unset or deleted. Default: the target's level when bound. */
  readonly fallback?: LogLevel;
  /** Called after each change of level, e.g. to log it. */
  readonly onChange?: (level: LogLevel, previous: LogLevel) => void;
}

/**
 * Follow a config key with a logger's level: `put .../logging/level debug` and debug lines appear
 * at once. An unknown level is refused and reported on `dials.errors$`; the last good level stays.
 * When the key is deleted (or its lease expires) the level returns to the one at start.
 * Unsubscribe to stop following the key.
 *
 * @example
 * const logger = pino();
 * bindLogLevel(dials, 'logging/level', pinoTarget(logger));
 */
export function bindLogLevel<TSchema extends SchemaMap>(
  dials: Dials<TSchema>,
  path: string,
  target: LevelTarget,
  options: BindLogLevelOptions = {},
): Subscription {
  const initial = options.fallback ?? target.getLevel();
  let current = target.getLevel();
  const apply = (level: LogLevel) => {
    if (level === current) return;
    const previous = current;
    current = level;
    target.setLevel(level);
    options.onChange?.(level, previous);
  };
  return dials.value$(path).subscribe((value) => {
    if (value === undefined || value === null) {
      apply(initial);
      return;
    }
    const level = normalizeLevel(value);
    if (level) {
      apply(level);
      return;
    }
    const key = `${dials.prefixes[dials.prefixes.length - 1] ?? ''}${path}`;
    dials.report(
      new DialsError(
        'INVALID_VALUE',
        `Log level at ${key} is ${JSON.stringify(value)}, not one of ${LEVELS.join(', ')} (or log, verbose); ${target.name} stays at ${current}.`,
        {
          key,
          raw: typeof value === 'string' ? value : JSON.stringify(value),
        },
      ),
    );
  });
}

/**
 * Per-logger levels: `bindLogLevels(dials, 'logging/levels/', { http: pinoTarget(http), db: ... })`
 * follows `logging/levels/http`, `logging/levels/db`, ...
 */
export function bindLogLevels(
  dials: Dials,
  basePath: string,
  targets: Readonly<Record<string, LevelTarget>>,
  options: BindLogLevelOptions = {},
): Subscription {
  const all = new Subscription();
  for (const [name, target] of Object.entries(targets)) all.add(bindLogLevel(dials, `${basePath}${name}`, target, options));
  return all;
}
