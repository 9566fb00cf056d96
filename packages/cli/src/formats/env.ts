import { DataError, UsageError } from '../output.js';

/**
 * .env files in the grammar of the `dotenv` package's parser (its LINE regex, lib/main.js):
 * 'single' and `backtick` quotes are literal and may span lines, "double" quotes may span lines
 * and expand \n and \r, an unquoted value ends at `#` and is trimmed. dotenv skips a line it
 * cannot read; here that is an error, so a typo does not drop a key silently.
 */
const LINE =
  /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/my;

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  /** The value was in quotes: it is text, whatever it looks like. */
  readonly quoted: boolean;
}

/** The statements of a .env file, in order, values unquoted exactly as dotenv does. */
export function parseEnv(source: string): EnvEntry[] {
  const text = source.replace(/\r\n?/g, '\n');
  const entries: EnvEntry[] = [];
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos) === -1 ? text.length : text.indexOf('\n', pos);
    const line = text.slice(pos, end).trim();
    if (line === '' || line.startsWith('#')) {
      pos = end + 1;
      continue;
    }
    LINE.lastIndex = pos;
    const match = LINE.exec(text);
    if (!match) throw new DataError(`line ${text.slice(0, pos).split('\n').length}: not a KEY=VALUE line: ${line}`);
    entries.push(unquote(match[1] as string, match[2] ?? ''));
    // The match ends at the end of its (last) line.
    pos = LINE.lastIndex + 1;
  }
  return entries;
}

function unquote(name: string, raw: string): EnvEntry {
  let value = raw.trim();
  const first = value[0];
  const quoted = /^(['"`])([\s\S]*)\1$/.exec(value);
  if (quoted) value = quoted[2] as string;
  if (first === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
  return { name, value, quoted: quoted !== null };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `DATABASE__HOST` → `database/host`: a double underscore nests, names are lower-cased. */
export function envPath(name: string): string {
  return name.toLowerCase().split('__').join('/');
}

/** `database/host` → `DATABASE__HOST`, or undefined when reading that name back would not give `path`. */
export function envName(path: string): string | undefined {
  const name = path.split('/').join('__').toUpperCase();
  return /^[\w.-]+$/.test(name) && envPath(name) === path ? name : undefined;
}

/** A .env file as `path → JSON text`: a quoted value is a string; an unquoted one is JSON when it parses, else a string. */
export function readEnv(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const { name, value, quoted } of parseEnv(text)) {
    entries.set(envPath(name), !quoted && isJson(value) ? value : JSON.stringify(value));
  }
  return entries;
}

/**
 * A string as a .env value that dotenv reads back as the same string, or undefined when none can:
 * double quotes (with \n and \r escapes) unless it has `"` or a literal `\n` or `\r`; else single
 * quotes or backticks, which cannot hold a carriage return; else bare, if it could not be mistaken
 * for JSON, a comment or quotes. A value ending in `\` would escape its closing quote.
 */
export function quoteEnvValue(value: string): string | undefined {
  const trailingBackslash = value.endsWith('\\');
  if (!value.includes('"') && !/\\[nr]/.test(value) && !trailingBackslash) return `"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  for (const quote of ["'", '`']) {
    if (!value.includes(quote) && !value.includes('\r') && !trailingBackslash) return `${quote}${value}${quote}`;
  }
  const bare = value !== '' && value === value.trim() && !/[#\r\n]/.test(value) && !`'"\``.includes(value[0] as string);
  return bare && !isJson(value) ? value : undefined;
}

/** A value as written after `NAME=`: strings quoted, other JSON bare (with `#` escaped, which only strings can hold). */
function envValue(value: unknown): string | undefined {
  if (typeof value === 'string') return quoteEnvValue(value);
  return JSON.stringify(value).replace(/#/g, '\\u0023');
}

/**
 * Relative paths → decoded values as a .env file that `readEnv` reads back as the same keys and
 * values. Keys it cannot hold are refused, all named, rather than written so they come back changed.
 */
export function formatEnv(entries: ReadonlyMap<string, unknown>): string {
  const lines: string[] = [];
  const badNames: string[] = [];
  const badValues: string[] = [];
  for (const [path, value] of entries) {
    const name = envName(path);
    const text = envValue(value);
    if (name === undefined) badNames.push(path);
    else if (text === undefined) badValues.push(path);
    else lines.push(`${name}=${text}`);
  }
  const problems = [
    ...(badNames.length > 0
      ? [
          `names that would not read back as the same path (upper case, a character outside a-z 0-9 . - _, or an _ that reads as /): ${badNames.join(', ')}`,
        ]
      : []),
    ...(badValues.length > 0 ? [`values no .env quoting can hold: ${badValues.join(', ')}`] : []),
  ];
  if (problems.length > 0) throw new UsageError(`cannot export as .env: ${problems.join('; ')} (use --format json or yaml)`);
  return lines.join('\n');
}
