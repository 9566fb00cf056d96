import { allows, type LevelTarget, type LogLevel, normalizeLevel } from './levels.js';

/** A pino logger (or child): `logger.level` is set. */
export function pinoTarget(logger: { level: string }): LevelTarget {
  return {
    name: 'pino',
    getLevel: () => normalizeLevel(logger.level) ?? 'info',
    setLevel: (level) => {
      logger.level = level;
    },
  };
}

const WINSTON: Readonly<Record<LogLevel, string>> = {
  trace: 'silly',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
  silent: 'error',
};

/** A winston logger with npm levels: `logger.level` is set; `silent` silences it. */
export function winstonTarget(logger: { level: string; silent?: boolean }): LevelTarget {
  return {
    name: 'winston',
    getLevel: () => (logger.silent ? 'silent' : (normalizeLevel(logger.level) ?? 'info')),
    setLevel: (level) => {
      logger.silent = level === 'silent';
      logger.level = WINSTON[level];
    },
  };
}

type NestLevel = 'verbose' | 'debug' | 'log' | 'warn' | 'error' | 'fatal';
const NEST: readonly [NestLevel, LogLevel][] = [
  ['verbose', 'trace'],
  ['debug', 'debug'],
  ['log', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
  ['fatal', 'fatal'],
];

/** Nest's levels enabled at `level`: `info` → log, warn, error, fatal. */
export function nestLevels(level: LogLevel): NestLevel[] {
  return NEST.filter(([, dials]) => allows(level, dials)).map(([nest]) => nest);
}

/**
 * The NestJS logger: a `ConsoleLogger` (its `setLogLevels`) or an application (`app.useLogger`,
 * which sets the levels of every `Logger`). Nest cannot say its current levels, so give the level
 * the application starts with (default `info`: log, warn, error, fatal).
 */
export function nestTarget(
  target: { setLogLevels(levels: NestLevel[]): void } | { useLogger(levels: NestLevel[]): void },
  options: { initial?: LogLevel } = {},
): LevelTarget {
  let current: LogLevel = options.initial ?? 'info';
  return {
    name: 'nest',
    getLevel: () => current,
    setLevel: (level) => {
      current = level;
      if ('setLogLevels' in target) target.setLogLevels(nestLevels(level));
      else target.useLogger(nestLevels(level));
    },
  };
}

type ConsoleMethod = 'trace' | 'debug' | 'info' | 'log' | 'warn' | 'error';
const CONSOLE: readonly [ConsoleMethod, LogLevel][] = [
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['info', 'info'],
  ['log', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
];

/**
 * `console`: methods below the level become no-ops (their originals are kept and come back as
 * the level allows them). `initial` applies at once: `consoleTarget({ initial: 'info' })` mutes
 * `console.debug` from the start, not only after the level first moves.
 */
export function consoleTarget(options: { console?: Console; initial?: LogLevel } = {}): LevelTarget {
  const target = options.console ?? globalThis.console;
  const originals = new Map(CONSOLE.map(([method]) => [method, target[method]] as const));
  const noop = () => {};
  let current: LogLevel = 'trace';
  const levelTarget: LevelTarget = {
    name: 'console',
    getLevel: () => current,
    setLevel: (level) => {
      current = level;
      for (const [method, severity] of CONSOLE) {
        (target as unknown as Record<ConsoleMethod, unknown>)[method] = allows(level, severity) ? originals.get(method) : noop;
      }
    },
  };
  if (options.initial !== undefined) levelTarget.setLevel(options.initial);
  return levelTarget;
}
