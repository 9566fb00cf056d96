import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, type Command, type OptionTable } from './command.js';
import { UsageError } from './output.js';

type ParserTable = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** `-5`, `-0.25`, `-1e3`: numbers, whatever their sign. */
const NEGATIVE = /^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function parserTable(options: OptionTable): ParserTable {
  const table: ParserTable = {};
  for (const [name, spec] of Object.entries(options))
    table[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  return table;
}

/**
 * The command's name: the first positional argument before `--`, reading the common options'
 * values so that `dials --endpoints HOST get KEY` finds `get`. `argv` comes back without it.
 */
export function splitCommand(argv: readonly string[]): { name: string | undefined; argv: readonly string[] } {
  const { tokens } = parseArgs({
    args: [...argv],
    options: parserTable(COMMON_OPTIONS),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'option-terminator') break;
    if (token.kind === 'positional') return { name: token.value, argv: argv.filter((_, i) => i !== token.index) };
  }
  return { name: undefined, argv };
}

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly args: readonly string[];
  readonly rest: readonly string[];
  /** `get`, or `flags set` for a subcommand: what messages and help are about. */
  readonly where: string;
  readonly subcommand: string | undefined;
}

/**
 * Parse a command's arguments against the common options and its own, strictly: an option it
 * does not take, a string option without its value or a boolean one with a value is a UsageError.
 * The tokens are checked here rather than by parseArgs' strict mode to name the command in the message.
 */
export function parseCommand(name: string, command: Command, argv: readonly string[]): Parsed {
  let own = argv;
  let rest: readonly string[] = [];
  const split = command.passThrough ? argv.indexOf('--') : -1;
  if (split !== -1) {
    own = argv.slice(0, split);
    rest = argv.slice(split + 1);
  }
  const options: OptionTable = { ...COMMON_OPTIONS, ...command.options };
  // A negative number (`dials set KEY -5`) is a value, not an option: parseArgs would read `-5` as `-5`.
  const negatives = new Map<string, string>();
  const args = own.map((arg, i) => {
    if (!NEGATIVE.test(arg)) return arg;
    const stand = `\u0000${i}`;
    negatives.set(stand, arg);
    return stand;
  });
  const back = (value: string) => negatives.get(value) ?? value;
  const parsed = parseArgs({
    args,
    options: parserTable(options),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const tokens = parsed.tokens;
  const positionals = parsed.positionals.map(back);
  const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, typeof v === 'string' ? back(v) : v]));
  const first = positionals[0];
  const subcommand = first !== undefined && command.subcommands && Object.hasOwn(command.subcommands, first) ? first : undefined;
  const allowed = subcommand ? new Set([...Object.keys(COMMON_OPTIONS), ...(command.subcommands?.[subcommand]?.options ?? [])]) : undefined;
  const where = subcommand ? `${name} ${subcommand}` : name;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!spec || (allowed && !allowed.has(token.name))) {
      const hint = /^-\d/.test(token.rawName) ? ` (a value starting with '-' goes after '--': dials ${name} ... -- ${token.rawName})` : '';
      throw new UsageError(`unknown option ${token.rawName}${hint}`, where);
    }
    if (spec.type === 'string' && token.value === undefined) throw new UsageError(`option ${token.rawName} needs a value`, where);
    if (spec.type === 'boolean' && token.value !== undefined) throw new UsageError(`option ${token.rawName} takes no value`, where);
  }
  return { values, args: positionals, rest, where, subcommand };
}
