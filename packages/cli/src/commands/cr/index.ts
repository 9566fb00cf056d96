import { defineCommand } from '../../command.js';
import { UsageError } from '../../output.js';
import { createRequest, editRequest } from './draft.js';
import { applyRequest, reviewRequest, scheduleRequest } from './review.js';
import { listRequests, showRequest } from './show.js';

const SUBCOMMANDS = 'ls, show, create, edit, approve, reject, cancel, apply or schedule';
const who = ['author'];

export const command = defineCommand({
  usage:
    'dials cr (ls [NAMESPACE] | show ID | create FILE --prefix PREFIX | edit ID FILE --prefix PREFIX | approve ID | reject ID | cancel ID | apply ID | schedule ID --at TIME) [--namespace NS]',
  options: {
    namespace: {
      type: 'string',
      arg: 'NAMESPACE',
      help: "the request's namespace, e.g. config/shop/dev (without it, found among every namespace your role may list)",
    },
    all: { type: 'boolean', help: 'ls: every request, applied, rejected and cancelled ones too (default: open and approved)' },
    prefix: { type: 'string', arg: 'PREFIX', help: 'create, edit: where the keys of FILE go, e.g. /config/shop/dev/ (as import)' },
    delete: { type: 'boolean', help: 'create, edit: also delete keys under PREFIX that FILE does not have' },
    flags: { type: 'boolean', help: 'create, edit: read FILE as a flagd flag set' },
    message: {
      type: 'string',
      short: 'm',
      arg: 'TEXT',
      help: "create, edit: the request's title; approve: a comment; reject: the reason",
    },
    author: { type: 'string', arg: 'NAME', help: 'who you are (default DIALS_AUTHOR, else the OS user; the etcd user with --user)' },
    at: { type: 'string', arg: 'TIME', help: 'schedule: when the scheduler applies it, an ISO time (2030-12-01T09:00Z)' },
    cancel: { type: 'boolean', help: 'schedule: take it off the schedule' },
  },
  subcommands: {
    ls: { usage: 'dials cr ls [NAMESPACE] [--all]', summary: 'change requests, newest first (open and approved ones)', options: ['all'] },
    show: {
      usage: 'dials cr show ID [--namespace NS]',
      summary: 'a request: its diff (secrets redacted), reviews, schedule, history, and what it needs',
      options: ['namespace'],
    },
    create: {
      usage: 'dials cr create FILE --prefix PREFIX [--delete] [--flags] [-m TITLE]',
      summary: 'draft a request of what importing FILE would change (nothing is written)',
      options: ['prefix', 'delete', 'flags', 'message', 'namespace', ...who],
    },
    edit: {
      usage: 'dials cr edit ID FILE --prefix PREFIX [--delete] [--flags] [-m TITLE]',
      summary: "replace a request's changes (based on the current values); its approvals are voided",
      options: ['prefix', 'delete', 'flags', 'message', 'namespace', ...who],
    },
    approve: { usage: 'dials cr approve ID [-m COMMENT]', summary: 'approve (not your own)', options: ['namespace', 'message', ...who] },
    reject: {
      usage: 'dials cr reject ID [-m REASON]',
      summary: 'reject (not your own: cancel it)',
      options: ['namespace', 'message', ...who],
    },
    cancel: { usage: 'dials cr cancel ID', summary: 'cancel: it will never be applied', options: ['namespace', ...who] },
    apply: {
      usage: 'dials cr apply ID',
      summary: 'write an approved request as a release, compare-and-set against its base revision (a conflict exits 3)',
      options: ['namespace', ...who],
    },
    schedule: {
      usage: 'dials cr schedule ID (--at TIME | --cancel)',
      summary: 'have the scheduler (dials scheduler) apply it at TIME, if approved by then',
      options: ['namespace', 'at', 'cancel', ...who],
    },
  },
  examples: [
    'dials cr ls config/shop/dev',
    'dials cr ls --all --json',
    'dials cr create config.yaml --prefix /config/shop/dev/ -m "bigger pool"',
    'dials cr show 1234 --namespace config/shop/dev',
    'dials cr edit 1234 config.yaml --prefix /config/shop/dev/ --namespace config/shop/dev',
    'dials cr approve 1234 --namespace config/shop/dev -m "looks right"',
    'dials cr reject 1234 --namespace config/shop/dev -m "not on a Friday"',
    'dials cr cancel 1234 --namespace config/shop/dev',
    'dials cr apply 1234 --namespace config/shop/dev',
    'dials cr schedule 1234 --namespace config/shop/dev --at 2030-12-01T09:00Z',
    'dials cr schedule 1234 --namespace config/shop/dev --cancel',
  ],
  async run(ctx) {
    const [sub, id, file] = ctx.args;
    if (sub === 'ls') return listRequests(ctx, id);
    if (sub === 'create') return createRequest(ctx, id);
    if (sub === undefined || !['show', 'edit', 'approve', 'reject', 'cancel', 'apply', 'schedule'].includes(sub))
      throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: ${SUBCOMMANDS}`);
    if (!id) throw new UsageError(`cr ${sub}: missing ID (dials cr ls lists them)`);
    if (sub === 'show') return showRequest(ctx, id);
    if (sub === 'edit') return editRequest(ctx, id, file);
    if (sub === 'apply') return applyRequest(ctx, id);
    if (sub === 'schedule') return scheduleRequest(ctx, id);
    return reviewRequest(ctx, sub as 'approve' | 'reject' | 'cancel', id);
  },
});
