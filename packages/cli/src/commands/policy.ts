import { getPolicy, namespaceOf, policyKey, setPolicy } from '@dials/core';
import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { color, UsageError } from '../output.js';

export const command = defineCommand({
  usage: 'dials policy (get | set) NAMESPACE [--require-approval N]',
  options: {
    'require-approval': {
      type: 'string',
      arg: 'N',
      help: 'set: approvals a change request needs before it may be applied (0 lets writes through directly)',
    },
  },
  subcommands: {
    get: { usage: 'dials policy get NAMESPACE', summary: "a namespace's review policy", options: [] },
    set: {
      usage: 'dials policy set NAMESPACE --require-approval N',
      summary: 'require N approvals for writes to NAMESPACE (they become change requests)',
      options: ['require-approval'],
    },
  },
  examples: [
    'dials policy get config/shop/dev',
    'dials policy set config/shop/dev --require-approval 1',
    'dials policy set /config/shop/dev/ --require-approval 0 --json',
  ],
  async run(ctx) {
    const [sub, given] = need(ctx, 2, 'get or set, and a NAMESPACE (e.g. config/shop/production)') as [string, string];
    if (sub !== 'get' && sub !== 'set') throw new UsageError(`unknown subcommand ${sub}: get or set`);
    const namespace = namespaceOf(given);
    const text = ctx.values['require-approval'];
    if (sub === 'set' && text === undefined) throw new UsageError('policy set needs --require-approval N');
    if (text !== undefined && !/^\d+$/.test(text))
      throw new UsageError(`--require-approval is not a whole number: ${JSON.stringify(text)}`);
    const source = await ctx.source();
    if (sub === 'get') {
      const policy = await getPolicy(source, namespace);
      ctx.out.result({ namespace, key: policyKey(namespace), ...policy }, () =>
        policy.requireApproval === 0
          ? `${namespace}: writes go straight through (no approval required)`
          : `${namespace}: writes need ${policy.requireApproval} approval${policy.requireApproval === 1 ? '' : 's'} (change requests)${color.dim(policy.updatedBy ? `; set by ${policy.updatedBy} at ${policy.updatedAt}` : '')}`,
      );
      return 0;
    }
    const policy = await setPolicy(source, namespace, { requireApproval: Number(text) });
    ctx.out.result({ namespace, key: policyKey(namespace), ...policy }, () =>
      policy.requireApproval === 0
        ? `${color.green('✓')} ${namespace}: writes go straight through again`
        : `${color.green('✓')} ${namespace}: writes now need ${policy.requireApproval} approval${policy.requireApproval === 1 ? '' : 's'}; dials set and the other writes draft change requests`,
    );
    return 0;
  },
});
