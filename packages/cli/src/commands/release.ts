import { abortRelease, getRelease, namespaceOf, resumeRelease, unfinishedReleases } from '@dials/core';
import { defineCommand } from '../command.js';
import { color, UsageError } from '../output.js';
import { confirm } from '../prompt.js';
import { printRelease, RELEASE_OPTIONS } from '../write.js';

const SUBCOMMANDS = 'ls, resume or abort';

export const command = defineCommand({
  usage: 'dials release (ls [NAMESPACE] | resume ID | abort ID) --namespace NAMESPACE [--yes]',
  options: {
    namespace: {
      type: 'string',
      arg: 'NAMESPACE',
      help: 'the namespace of the release, as history shows it, or its prefix (/config/shop/dev/)',
    },
    yes: { type: 'boolean', short: 'y', help: 'write without asking (needed when not on a terminal)' },
    message: RELEASE_OPTIONS.message,
    author: RELEASE_OPTIONS.author,
  },
  subcommands: {
    ls: {
      usage: 'dials release ls [NAMESPACE]',
      summary: 'releases being written now, and those whose writer died part-way',
      options: ['namespace'],
    },
    resume: {
      usage: 'dials release resume ID --namespace NAMESPACE [--yes]',
      summary: 'write the rest of a release whose writer died, and record it whole',
      options: ['namespace', 'yes', 'message', 'author'],
    },
    abort: {
      usage: 'dials release abort ID --namespace NAMESPACE [--yes]',
      summary: 'undo the written part of a release whose writer died',
      options: ['namespace', 'yes', 'message', 'author'],
    },
  },
  examples: [
    'dials release ls',
    'dials release ls config/shop/dev',
    'dials release resume pending-1a2b3c4d5e6f7a8b --namespace config/shop/dev --yes',
    'dials release abort pending-1a2b3c4d5e6f7a8b --namespace config/shop/dev --yes',
  ],
  async run(ctx) {
    const [sub, id] = ctx.args;
    const source = await ctx.source();
    if (sub === 'ls') {
      const given = ctx.args[1] ?? ctx.values.namespace;
      const namespace = given === undefined ? undefined : namespaceOf(given);
      const found = await unfinishedReleases(source, namespace);
      ctx.out.result(found, () => {
        const lines = found.inProgress.map(
          (m) =>
            `${color.yellow('being written')} ${m.release} in ${m.namespace} by ${m.author} since ${m.at}: ${m.changes} changes in ${m.transactions} transactions`,
        );
        lines.push(
          ...found.interrupted.map(
            (r) =>
              `${color.red('interrupted')} ${r.id} in ${r.namespace} by ${r.author} at ${r.at}: ${r.changes.length} changes planned. ${color.dim(`dials release resume|abort ${r.id} --namespace ${r.namespace}`)}`,
          ),
        );
        if (lines.length > 0) return lines.join('\n');
        return color.dim(
          namespace ? `nothing unfinished in ${namespace}` : 'no release is being written (run with a NAMESPACE for interrupted ones)',
        );
      });
      return 0;
    }
    if (sub !== 'resume' && sub !== 'abort')
      throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: ${SUBCOMMANDS}`);
    if (!id) throw new UsageError(`release ${sub}: missing ID (dials release ls NAMESPACE lists them)`);
    if (ctx.values.namespace === undefined) throw new UsageError(`release ${sub}: missing --namespace (as dials release ls shows it)`);
    const release = await getRelease(source, namespaceOf(ctx.values.namespace), id);
    const what = `${sub} ${release.id} (${release.changes.length} changes planned, by ${release.author}${release.message ? `: ${release.message}` : ''})`;
    if (ctx.values.yes !== true) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) throw new UsageError(`${what}: not on a terminal, so pass --yes`);
      if (!(await confirm(`${what}?`))) {
        ctx.out.result({ release: null, changed: false }, () => color.dim('nothing written'));
        return 1;
      }
    }
    const options = { author: ctx.values.author, message: ctx.values.message };
    const done = sub === 'resume' ? await resumeRelease(source, release, options) : await abortRelease(source, release, options);
    printRelease(ctx, done);
    return 0;
  },
});
