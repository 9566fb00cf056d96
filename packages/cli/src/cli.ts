import type { Source } from '@dials/core';
import type { Context } from './command.js';
import { commandHelp, mainHelp } from './help.js';
import { EXIT, fail, makeOutput, timeoutOf, UsageError } from './output.js';
import { parseCommand, splitCommand } from './parse.js';
import { findCommand } from './registry.js';

/** Run `dials ARGV...`; the exit code comes back, output goes to stdout and stderr. */
export async function run(argv: readonly string[]): Promise<number> {
  // Decided before parsing, so that a usage error is JSON too with --json.
  const terminator = argv.indexOf('--');
  let json = (terminator === -1 ? argv : argv.slice(0, terminator)).includes('--json');
  const { name, argv: rest } = splitCommand(argv);
  if (name === undefined) {
    const help = rest.includes('--help') || rest.includes('-h');
    process.stdout.write(`${mainHelp()}\n`);
    return help ? EXIT.ok : EXIT.usage;
  }
  const entry = findCommand(name);
  if (!entry) return fail(new UsageError(`unknown command: ${name}`), json);
  let where = name;
  let source: Source | undefined;
  try {
    const command = await entry.load();
    const parsed = parseCommand(name, command, rest);
    where = parsed.where;
    // The values are what the table says after parseCommand's checks: strings for string options.
    const values = parsed.values as Context['values'];
    json = values.json === true;
    if (values.help === true) {
      process.stdout.write(`${commandHelp(entry, command, parsed.subcommand)}\n`);
      return EXIT.ok;
    }
    // Checked before connecting: `--timeout abc` is a usage error, not a connection failure.
    timeoutOf(values.timeout);
    const ctx: Context = {
      args: parsed.args,
      rest: parsed.rest,
      values,
      out: makeOutput(json),
      source: async () => {
        if (!source) {
          const { connect } = await import('./connect.js');
          source = await connect(values, command.stream === true);
        }
        return source;
      },
    };
    return (await command.run(ctx)) ?? EXIT.ok;
  } catch (error) {
    return fail(error, json, where);
  } finally {
    // Closing waits on etcd at most briefly: the command's work is done.
    if (source) await Promise.race([source.close(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  }
}
