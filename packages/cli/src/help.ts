import { COMMON_OPTIONS, type Command, type OptionTable } from './command.js';
import { color } from './output.js';
import { type CommandEntry, registry } from './registry.js';

/** Aligned `-m, --message TEXT   help` lines for the options of a table (or the named ones). */
export function optionLines(options: OptionTable, only?: readonly string[]): string[] {
  const names = only ?? Object.keys(options);
  const rows = names.flatMap((name) => {
    const spec = options[name];
    if (!spec) return [];
    const label = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
    return [[label, spec.help] as const];
  });
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`);
}

const EXIT_CODES = 'Exit codes: 0 ok, 1 failed, 2 usage, 3 conflict, 4 etcd unreachable.';

function commonSection(): string[] {
  return ['Connection and output (every command):', ...optionLines(COMMON_OPTIONS)];
}

export function mainHelp(): string {
  const width = Math.max(...registry.map((c) => c.name.length));
  return [
    `${color.bold('dials')}: live configuration and feature flags in etcd`,
    '',
    'Usage: dials COMMAND [ARGS] [OPTIONS]',
    '',
    'Commands:',
    ...registry.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ...commonSection(),
    '',
    EXIT_CODES,
    "Run 'dials COMMAND --help' for a command's options and examples.",
  ].join('\n');
}

/** A command's help: usage, its own options, subcommands, examples; for `flags set`, only what `set` takes. */
export function commandHelp(entry: CommandEntry, command: Command, subcommand?: string): string {
  const sub = subcommand ? command.subcommands?.[subcommand] : undefined;
  const own = sub ? optionLines(command.options, sub.options) : optionLines(command.options);
  const examples = sub ? command.examples.filter((e) => e.startsWith(`dials ${entry.name} ${subcommand} `)) : command.examples;
  const subcommands = Object.values(command.subcommands ?? {});
  const width = Math.max(0, ...subcommands.map((s) => s.usage.length));
  return [
    `Usage: ${color.bold(sub ? sub.usage : command.usage)}`,
    '',
    sub ? sub.summary : entry.summary,
    '',
    ...(own.length > 0 ? ['Options:', ...own] : ['Options: only the connection and output ones below.']),
    ...(!sub && subcommands.length > 0 ? ['', 'Subcommands:', ...subcommands.map((s) => `  ${s.usage.padEnd(width)}  ${s.summary}`)] : []),
    ...(examples.length > 0 ? ['', 'Examples:', ...examples.map((e) => `  ${e}`)] : []),
    '',
    ...commonSection(),
    '',
    EXIT_CODES,
  ].join('\n');
}
