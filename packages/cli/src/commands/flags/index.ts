import { withSlash } from '../../args.js';
import { defineCommand } from '../../command.js';
import { UsageError } from '../../output.js';
import { RELEASE_OPTIONS } from '../../write.js';
import { EVAL_OPTIONS, evaluateFlag } from './eval.js';
import { listFlags } from './ls.js';
import { UPDATE_OPTIONS, updateFlag } from './update.js';

const release = Object.keys(RELEASE_OPTIONS);

export const command = defineCommand({
  usage: 'dials flags (ls | enable KEY | disable KEY | set KEY --variant V | eval KEY [--context JSON]) --prefix PREFIX',
  options: {
    prefix: { type: 'string', arg: 'PREFIX', help: 'where the flags are, e.g. /flags/shop/dev/ (default DIALS_FLAGS_PREFIX)' },
    ...EVAL_OPTIONS,
    ...UPDATE_OPTIONS,
  },
  // Each subcommand takes only its own options: `dials flags ls --variant x` is a usage error.
  subcommands: {
    ls: {
      usage: 'dials flags ls --prefix PREFIX',
      summary: 'list flags: state, default variant, variants, targeting',
      options: ['prefix'],
    },
    enable: { usage: 'dials flags enable KEY --prefix PREFIX', summary: 'turn a flag on', options: ['prefix', ...release] },
    disable: { usage: 'dials flags disable KEY --prefix PREFIX', summary: 'turn a flag off', options: ['prefix', ...release] },
    set: {
      usage: 'dials flags set KEY --variant V --prefix PREFIX',
      summary: "change a flag's default variant",
      options: ['prefix', 'variant', ...release],
    },
    eval: {
      usage: 'dials flags eval KEY [--context JSON] --prefix PREFIX',
      summary: 'evaluate a flag for a context, as an application would',
      options: ['prefix', 'context'],
    },
  },
  examples: [
    'dials flags ls --prefix /flags/shop/dev/',
    'dials flags enable new-checkout --prefix /flags/shop/dev/',
    'dials flags set checkout-theme --variant dark --prefix /flags/shop/dev/',
    `dials flags eval new-checkout --context '{"targetingKey":"u1"}' --prefix /flags/shop/dev/`,
  ],
  async run(ctx) {
    const [sub, key] = ctx.args;
    const prefix = withSlash(ctx.values.prefix ?? process.env.DIALS_FLAGS_PREFIX ?? '');
    if (prefix === '/') throw new UsageError('flags needs --prefix (or DIALS_FLAGS_PREFIX), e.g. /flags/shop/dev/');
    if (sub === 'ls') return listFlags(ctx, prefix);
    if (sub !== 'eval' && sub !== 'enable' && sub !== 'disable' && sub !== 'set')
      throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: ls, enable, disable, set or eval`);
    if (!key) throw new UsageError(`flags ${sub}: missing KEY`);
    return sub === 'eval' ? evaluateFlag(ctx, prefix, key) : updateFlag(ctx, prefix, sub, key);
  },
});
