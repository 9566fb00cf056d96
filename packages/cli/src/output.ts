/** Exit codes that mean something to scripts. */
export const EXIT = { ok: 0, failed: 1, usage: 2, conflict: 3, unreachable: 4 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command (`get`, `flags set`) the mistake is about, named in the message. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** Bad data (a file that does not parse, a flag that would not compile): exit 1, with no usage hint. */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/**
 * A DialsError's code, recognised by core's brand (what `isDialsError` checks): importing core here
 * would load the etcd client for every run, `dials --help` and usage errors included.
 */
function dialsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[Symbol.for('@dials/core:DialsError')] !== true)
    return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

const tty = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
export const color = { dim: paint(2), bold: paint(1), green: paint(32), red: paint(31), yellow: paint(33), cyan: paint(36) };

export interface Output {
  readonly json: boolean;
  /** A result: JSON with --json, else the human text. */
  result(data: unknown, human: () => string): void;
  line(text: string): void;
}

/** The escapes `color` emits: bold, dim, red, green, yellow, cyan and the reset. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching our own escapes is the point
const OWN_COLOURS = /^\u001b\[(?:0|1|2|31|32|33|36)m$/;

/**
 * Text for a terminal: control characters that a key, value, author or message could carry
 * (`ESC]…` sets the title, `ESC[2J` clears the screen, `ESC[8m` hides text, a bare `CR` overwrites
 * a line) are shown as `\xNN`. Only the colours `color` emits pass, and only while it emits them
 * (stdout on a terminal, no NO_COLOR); newlines and tabs pass. A value that holds one of those
 * colour codes can change a colour, nothing more.
 */
export function visible(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (match) =>
    tty && OWN_COLOURS.test(match) ? match : `\\x${(match.codePointAt(0) as number).toString(16).padStart(2, '0')}${match.slice(1)}`,
  );
}

/** A line on stderr (warnings, previews, what was skipped), shown as `visible` shows it. */
export function stderrLine(text: string): void {
  process.stderr.write(`${visible(text)}\n`);
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${visible(human())}\n`);
    },
    line(text) {
      if (!json) process.stdout.write(`${visible(text)}\n`);
    },
  };
}

/** A table with aligned columns. */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = all.map(format);
  if (header) lines[0] = color.bold(lines[0] as string);
  return lines.join('\n');
}

/** Map an error to its exit code and print it (as JSON with --json); never a stack for known errors. */
export function fail(error: unknown, json: boolean, command?: string): number {
  let code: number = EXIT.failed;
  let kind = 'error';
  const dialsCode = dialsErrorCode(error);
  if (error instanceof UsageError) {
    code = EXIT.usage;
    kind = 'usage';
  } else if (error instanceof DataError) kind = 'data';
  else if (error instanceof Error && error.name === 'LockBusy') kind = 'LOCK_BUSY';
  else if (dialsCode !== undefined) {
    kind = dialsCode;
    if (dialsCode === 'CONFLICT') code = EXIT.conflict;
    else if (dialsCode === 'UNAVAILABLE' || dialsCode === 'TIMEOUT') code = EXIT.unreachable;
  }
  const message = cliWords(error instanceof Error ? error.message : String(error));
  const where = (error instanceof UsageError ? error.command : undefined) ?? command;
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: kind, message, ...(where ? { command: where } : {}) } })}\n`);
  else {
    const hint = code === EXIT.usage ? `\n${color.dim(`Run 'dials ${where ? `${where} ` : ''}--help' for usage.`)}` : '';
    process.stderr.write(`${color.red(where ? `dials ${where}:` : 'dials:')} ${visible(message)}${hint}\n`);
  }
  return code;
}

/** Core names its options (`auth.username`); the user of the command typed `--user`. */
const CLI_WORDS: readonly [RegExp, string][] = [
  [/Check auth\.username and auth\.password\./g, 'Check --user and --password (or DIALS_PASSWORD).'],
  [/Check tls\.ca, tls\.cert and tls\.key\./g, 'Check --cacert, --cert and --key.'],
  [/the CA file \(tls\.ca\)/g, '--cacert'],
  [/etcdSource: cannot read tls\.ca from/g, 'cannot read --cacert'],
  [/etcdSource: cannot read tls\.cert from/g, 'cannot read --cert'],
  [/etcdSource: cannot read tls\.key from/g, 'cannot read --key'],
];

export function cliWords(message: string): string {
  return CLI_WORDS.reduce((text, [pattern, words]) => text.replace(pattern, words), message);
}

/** `10m`, `30s`, `1h`, `500ms` or a number of milliseconds; `option` names it in the message. */
export function parseDuration(text: string, option = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} is not a duration: ${JSON.stringify(text)} (try 30s, 10m, 1h, or milliseconds)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms'];
  return Math.round(Number(match[1]) * unit);
}

/** `--ttl`: a duration of at least a millisecond (etcd rounds leases up to whole seconds); 0 would be no lease at all. */
export function ttlOf(text: string): number {
  const ms = parseDuration(text, '--ttl');
  if (ms < 1) throw new UsageError(`--ttl must be more than 0: ${JSON.stringify(text)} (try 30s, 10m, 1h)`);
  return ms;
}

/** `--timeout` as milliseconds (`5000`) or a duration (`5s`); a usage error when it is neither, or 0. */
export function timeoutOf(timeout: string | undefined): number {
  if (timeout === undefined) return 5_000;
  const ms = parseDuration(timeout, '--timeout');
  if (ms < 1) throw new UsageError(`--timeout must be more than 0: ${JSON.stringify(timeout)}`);
  return ms;
}

/** A progress bar on a TTY (stderr), nothing otherwise. */
export function progress(total: number): (done: number) => void {
  if (!process.stderr.isTTY) return () => {};
  return (done) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total}${done === total ? '\n' : ''}`);
  };
}
