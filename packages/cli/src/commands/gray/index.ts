import { namespaceOf } from '@dials/core';
import { defineCommand } from '../../command.js';
import { UsageError } from '../../output.js';
import { RELEASE_OPTIONS } from '../../write.js';
import { controlGray } from './control.js';
import { listGrayReleases, showGrayRelease } from './show.js';

const SUBCOMMANDS = ['ls', 'show', 'promote', 'abandon', 'advance', 'pause', 'resume'] as const;

export const command = defineCommand({
  usage: 'dials gray (ls [NAMESPACE] | show ID | promote ID | abandon ID | advance ID | pause ID | resume ID) [--namespace NAMESPACE]',
  options: {
    namespace: {
      type: 'string',
      arg: 'NAMESPACE',
      help: 'the namespace of the gray release, as dials gray ls shows it (config/shop/dev) or its prefix',
    },
    message: RELEASE_OPTIONS.message,
    author: RELEASE_OPTIONS.author,
    force: { type: 'boolean', help: "promote: write even what a running app's registered schema refuses (the release records it)" },
  },
  subcommands: {
    ls: { usage: 'dials gray ls [NAMESPACE]', summary: 'gray releases of a namespace (or of all): labels, step, keys', options: [] },
    show: {
      usage: 'dials gray show ID --namespace NAMESPACE',
      summary: 'one gray release: labels, steps, values, and the instances on it',
      options: ['namespace'],
    },
    promote: {
      usage: 'dials gray promote ID --namespace NAMESPACE',
      summary: 'write its values for everyone (a release), then remove it',
      options: ['namespace', 'message', 'author', 'force'],
    },
    abandon: {
      usage: 'dials gray abandon ID --namespace NAMESPACE',
      summary: 'remove it: its instances go back to the values at once',
      options: ['namespace', 'message', 'author'],
    },
    advance: { usage: 'dials gray advance ID --namespace NAMESPACE', summary: 'move it to its next step now', options: ['namespace'] },
    pause: {
      usage: 'dials gray pause ID --namespace NAMESPACE',
      summary: 'hold it at its step (timed steps stop)',
      options: ['namespace'],
    },
    resume: { usage: 'dials gray resume ID --namespace NAMESPACE', summary: 'let a paused one go on', options: ['namespace'] },
  },
  examples: [
    'dials gray ls',
    'dials gray ls config/shop/dev --json',
    'dials gray show g-1a2b3c4d --namespace config/shop/dev',
    'dials gray advance g-1a2b3c4d --namespace config/shop/dev',
    'dials gray pause g-1a2b3c4d --namespace config/shop/dev',
    'dials gray resume g-1a2b3c4d --namespace config/shop/dev',
    'dials gray promote g-1a2b3c4d --namespace config/shop/dev -m "pool 20 for everyone"',
    'dials gray abandon g-1a2b3c4d --namespace config/shop/dev',
  ],
  async run(ctx) {
    const [sub, id] = ctx.args;
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub))
      throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: ${SUBCOMMANDS.join(', ')}`);
    if (sub === 'ls') return listGrayReleases(ctx, id);
    if (!id) throw new UsageError('missing ID (dials gray ls lists them)');
    if (ctx.values.namespace === undefined)
      throw new UsageError("needs --namespace, e.g. --namespace config/shop/dev (dials gray ls shows each release's)");
    const namespace = namespaceOf(ctx.values.namespace);
    if (sub === 'show') return showGrayRelease(ctx, namespace, id);
    return controlGray(ctx, sub as Exclude<(typeof SUBCOMMANDS)[number], 'ls' | 'show'>, namespace, id);
  },
});
