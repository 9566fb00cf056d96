import type { Source } from '@dials/core';
import type { Output } from './output.js';

/** One option of a command: its type, short alias, the placeholder of its value and its help line. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in help: `--ttl DURATION`. */
  readonly arg?: string;
  readonly help: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** Parsed values of a table: a string or a boolean per option, absent when not given. */
export type Values<T extends OptionTable> = {
  readonly [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K]['type'] extends 'string' ? string : string | boolean;
};

/** Connection and output options: every command takes them. */
export const COMMON_OPTIONS = {
  endpoints: { type: 'string', arg: 'HOSTS', help: 'etcd endpoints, comma separated (default ETCD_ENDPOINTS, else 127.0.0.1:2379)' },
  user: { type: 'string', arg: 'NAME[:PASS]', help: 'etcd user; the password from --password or DIALS_PASSWORD' },
  password: { type: 'string', arg: 'PASS', help: 'password of --user (prefer DIALS_PASSWORD: options show in ps)' },
  cacert: { type: 'string', arg: 'FILE', help: 'TLS: CA certificate file' },
  cert: { type: 'string', arg: 'FILE', help: 'TLS: client certificate file' },
  key: { type: 'string', arg: 'FILE', help: 'TLS: client key file' },
  timeout: { type: 'string', arg: 'MS', help: 'connect and request deadline (default 5000)' },
  json: { type: 'boolean', help: 'machine-readable output' },
  'show-secrets': { type: 'boolean', help: 'show values of secret keys (password, token, apiKey, ...), redacted otherwise' },
  help: { type: 'boolean', short: 'h', help: "this command's options and examples" },
} as const satisfies OptionTable;

export type CommonValues = Values<typeof COMMON_OPTIONS>;

export interface Context<T extends OptionTable = OptionTable> {
  /** Positional arguments after the command name (a subcommand's name included). */
  readonly args: readonly string[];
  /** What follows `--`, for commands that pass it on (lock). */
  readonly rest: readonly string[];
  readonly values: Values<T> & CommonValues;
  readonly out: Output;
  source(): Promise<Source>;
}

/** A subcommand (`flags set`): its usage and which of the command's options it takes. */
export interface Subcommand {
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly string[];
}

export interface Command<T extends OptionTable = OptionTable> {
  readonly usage: string;
  /** The command's own options; the common ones come on top. */
  readonly options: T;
  readonly examples: readonly string[];
  /** Needs etcd's gRPC client (a watch, a kept-alive lease, cluster status); other commands use the lighter JSON gateway. */
  readonly stream?: boolean;
  /** Everything after `--` is handed over untouched in `ctx.rest` (else it is positional arguments). */
  readonly passThrough?: boolean;
  readonly subcommands?: Readonly<Record<string, Subcommand>>;
  run(ctx: Context<T>): Promise<number | undefined>;
}

/** Types `ctx.values` from the command's own option table. */
export function defineCommand<const T extends OptionTable>(command: Command<T>): Command<T> {
  return command;
}
