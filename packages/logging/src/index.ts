export { type BindLogLevelOptions, bindLogLevel, bindLogLevels } from './bind-log-level.js';
export { allows, LEVELS, type LevelTarget, type LogLevel, normalizeLevel } from './levels.js';
export { consoleTarget, nestLevels, nestTarget, pinoTarget, winstonTarget } from './targets.js';
