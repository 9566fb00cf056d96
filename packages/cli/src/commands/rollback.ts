import { getRelease, namespaceOf, type Release, rollbackPlan, rollbackRelease, shownValue } from '@dials/core';
import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { color, stderrLine, UsageError } from '../output.js';
import { confirm } from '../prompt.js';
import { draftInstead, needsApproval } from '../requests.js';
import { printRelease, RELEASE_OPTIONS } from '../write.js';

export const command = defineCommand({
  usage: 'dials rollback RELEASE --namespace NAMESPACE [--yes]',
  options: {
    namespace: {
      type: 'string',
      arg: 'NAMESPACE',
      help: 'the namespace of the release, as history shows it, or its prefix (/config/shop/dev/); default "default"',
    },
    yes: { type: 'boolean', short: 'y', help: 'write without asking (needed when not on a terminal)' },
    message: RELEASE_OPTIONS.message,
    author: RELEASE_OPTIONS.author,
    force: RELEASE_OPTIONS.force,
  },
  examples: ['dials rollback 1234 --namespace config/shop/dev -m "bad port"', 'dials rollback 1234 --namespace config/shop/dev --yes'],
  async run(ctx) {
    const [id] = need(ctx, 1, 'RELEASE') as [string];
    const namespace = namespaceOf(ctx.values.namespace);
    const source = await ctx.source();
    const release = await getRelease(source, namespace, id);
    // What it will write, checked against the record's namespace and etcd's history first.
    const plan = await rollbackPlan(source, release);
    // Like the records it undoes, the preview never shows a secret (not even with --show-secrets).
    const lines = plan.map(
      (c) => `  ${c.key} ${color.dim('→')} ${c.after === undefined ? color.red('(deleted)') : shownValue(c.key, c.after)}`,
    );
    if (ctx.values.yes !== true) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) {
        throw new UsageError(
          `rollback ${id} would write ${plan.length} key${plan.length === 1 ? '' : 's'}; not on a terminal, so pass --yes:\n${lines.join('\n')}`,
        );
      }
      stderrLine(`rollback ${id} writes ${plan.length} key${plan.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
      if (!(await confirm('Roll back?'))) {
        ctx.out.result({ release: null, changed: false }, () => color.dim('nothing written'));
        return 1;
      }
    }
    let undo: Release;
    try {
      undo = await rollbackRelease(source, release, {
        author: ctx.values.author,
        message: ctx.values.message,
        force: ctx.values.force === true,
      });
    } catch (error) {
      // The namespace requires review: the rollback becomes a draft change request (exit 0).
      if (!needsApproval(error)) throw error;
      await draftInstead(ctx, plan, release.namespace, { title: `rollback of ${id}${release.message ? ` (${release.message})` : ''}` });
      return 0;
    }
    printRelease(ctx, undo);
    return 0;
  },
});
