import { parseArgs } from 'node:util';
import type { EtcdSource } from '@dials/core';
import { type Command, commands } from './commands.js';
import { connect } from './connect.js';
import { color, EXIT, fail, makeOutput, UsageError } from './output.js';

const OPTIONS = {
  endpoints: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  cacert: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  string: { type: 'boolean' },
  ttl: { type: 'string' },
  wait: { type: 'string' },
  message: { type: 'string', short: 'm' },
  author: { type: 'string' },
  namespace: { type: 'string' },
  limit: { type: 'string' },
  recursive: { type: 'boolean', short: 'r' },
  prefix: { type: 'string' },
  apply: { type: 'boolean' },
  delete: { type: 'boolean' },
  flags: { type: 'boolean' },
  format: { type: 'string' },
  variant: { type: 'string' },
  context: { type: 'string' },
  'show-secrets': { type: 'boolean' },
} as const;

const CONNECTION_HELP = `Connection (every command):
  --endpoints HOSTS     etcd endpoints, comma separated (default ETCD_ENDPOINTS, else 127.0.0.1:2379)
  --user NAME[:PASS]    etcd user; the password from --password or DIALS_PASSWORD
  --cacert --cert --key TLS: CA, client certificate and key files
  --timeout MS          connect and request deadline (default 5000)
  --json                machine-readable output
  --show-secrets        show values of secret keys (password, token, apiKey, ...), redacted otherwise`;

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${color.bold('dials')}: live configuration and feature flags in etcd`,
    '',
    'Usage: dials COMMAND [ARGS] [OPTIONS]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    CONNECTION_HELP,
    '',
    'Exit codes: 0 ok, 1 failed, 2 usage, 3 conflict, 4 etcd unreachable.',
    "Run 'dials COMMAND --help' for a command's options and examples.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `${color.bold(command.usage)}`,
    '',
    command.summary,
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
    '',
    CONNECTION_HELP,
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? [...argv] : argv.slice(0, split);
  const rest = split === -1 ? [] : argv.slice(split + 1);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return fail(new UsageError((error as Error).message), own.includes('--json'));
  }
  const { values, positionals } = parsed;
  const json = values.json === true;
  const [name, ...args] = positionals;
  if (!name) {
    process.stdout.write(`${mainHelp()}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return fail(new UsageError(`unknown command: ${name}`), json);
  if (values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return EXIT.ok;
  }
  let source: EtcdSource | undefined;
  try {
    const code = await command.run({
      args,
      rest,
      values,
      out: makeOutput(json),
      source: async () => {
        if (!source) {
          source = connect(values);
          await source.connect();
        }
        return source;
      },
    });
    return code ?? EXIT.ok;
  } catch (error) {
    return fail(error, json);
  } finally {
    await source?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(error, false);
  },
);
