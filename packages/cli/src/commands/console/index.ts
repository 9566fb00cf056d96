import { defineCommand } from '../../command.js';
import { portOf } from '../../serve.js';
import { OFREP_OPTIONS } from '../ofrep/index.js';

export const CONSOLE_OPTIONS = {
  ...OFREP_OPTIONS,
  port: { type: 'string', arg: 'PORT', help: 'listen on this port (default 4000; 0: any free port)' },
  secret: {
    type: 'string',
    arg: 'TEXT',
    help: 'sign session cookies with this (default DIALS_CONSOLE_SECRET, else random: sessions end with the process)',
  },
  secure: { type: 'boolean', help: 'mark cookies Secure (the console is reached over https, through a proxy)' },
} as const;

export const command = defineCommand({
  usage:
    'dials console [--port 4000] [--host ADDRESS] [--secret TEXT] [--secure] [--cacert FILE --cert FILE --key FILE] [--user OFREP_USER]',
  options: CONSOLE_OPTIONS,
  examples: ['dials console --port 4000', 'dials console --port 4000 --user ofrep --cors-origin https://shop.example.com'],
  async run(ctx) {
    portOf(ctx.values.port, 4000); // a usage error before anything loads
    // Express, the console and OFREP load here, when serving, and never for another command.
    return (await import('./serve.js')).serveConsole(ctx);
  },
});
