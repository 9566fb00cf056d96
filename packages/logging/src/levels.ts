/** The level names Dials speaks; each target maps them to its library's own. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];

const ALIASES: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  verbose: 'trace', // Nest's and winston's most verbose level
  silly: 'trace',
  debug: 'debug',
  info: 'info',
  log: 'info', // Nest
  http: 'info', // winston
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  silent: 'silent',
  off: 'silent',
  none: 'silent',
};

/** A level name in any library's vocabulary (`log`, `verbose`, `WARN`) as a Dials level, or undefined. */
export function normalizeLevel(value: unknown): LogLevel | undefined {
  if (typeof value !== 'string') return undefined;
  return ALIASES[value.trim().toLowerCase()];
}

/** Whether `level` lets messages of `severity` through. */
export function allows(level: LogLevel, severity: LogLevel): boolean {
  return LEVELS.indexOf(severity) >= LEVELS.indexOf(level) && severity !== 'silent';
}

/** A logger whose level Dials can change. */
export interface LevelTarget {
  /** For messages: `pino`, `winston`, `nest`, `console`. */
  readonly name: string;
  /** The level now, in Dials' vocabulary. */
  getLevel(): LogLevel;
  setLevel(level: LogLevel): void;
}
