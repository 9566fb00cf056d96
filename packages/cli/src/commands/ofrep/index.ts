import { defineCommand } from '../../command.js';
import { UsageError } from '../../output.js';
import { portOf } from '../../serve.js';

export const OFREP_OPTIONS = {
  port: { type: 'string', arg: 'PORT', help: 'listen on this port (default 8016; 0: any free port)' },
  host: { type: 'string', arg: 'ADDRESS', help: 'listen on this address (default 127.0.0.1; 0.0.0.0 for every interface)' },
  'cors-origin': {
    type: 'string',
    arg: 'ORIGINS',
    help: 'web pages of these origins (comma separated, or *) may call OFREP from the browser',
  },
} as const;

export const command = defineCommand({
  usage: 'dials ofrep [--port 8016] [--host ADDRESS] [--cors-origin ORIGINS] --user USER',
  options: {
    ...OFREP_OPTIONS,
    label: { type: 'string', arg: 'TEXT', help: 'keys create: what the key is for, shown by keys ls' },
  },
  subcommands: {
    keys: {
      usage: 'dials ofrep keys (create NAMESPACE [--label TEXT] | ls NAMESPACE | revoke NAMESPACE HASH_OR_KEY)',
      summary: 'make (printed once), list, or revoke the API keys of a flags namespace',
      options: ['label'],
    },
  },
  examples: [
    'dials ofrep --port 8016 --user ofrep',
    'dials ofrep --host 0.0.0.0 --cors-origin https://shop.example.com --user ofrep',
    "dials ofrep keys create flags/shop/dev --label 'checkout (Go)'",
    'dials ofrep keys ls flags/shop/dev',
    'dials ofrep keys revoke flags/shop/dev 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  ],
  async run(ctx) {
    const [sub] = ctx.args;
    if (sub === 'keys') return (await import('./keys.js')).keys(ctx);
    if (sub !== undefined) throw new UsageError(`unknown subcommand ${sub}: keys (or no subcommand, to serve OFREP)`);
    if (ctx.values.label !== undefined) throw new UsageError('--label is for keys create');
    portOf(ctx.values.port, 8016); // a usage error before anything loads
    // Express and the OFREP server load here, when serving, and never for another command.
    return (await import('./serve.js')).serveOfrep(ctx);
  },
});
