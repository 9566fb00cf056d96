import { withSlash } from '../../args.js';
import { defineCommand } from '../../command.js';
import { UsageError } from '../../output.js';
import { RELEASE_OPTIONS } from '../../write.js';
import { CREATE_OPTIONS, createFlag } from './create.js';
import { EVAL_OPTIONS, evaluateFlag } from './eval.js';
import { listFlags, staleFlags } from './ls.js';
import { rolloutFlag, UPDATE_OPTIONS, updateFlag } from './update.js';

const release = Object.keys(RELEASE_OPTIONS);
const SUBCOMMANDS = 'ls, stale, create, enable, disable, set, rollout or eval';

export const command = defineCommand({
  usage:
    'dials flags (ls | stale [--unused-for D] | create KEY [--template T] | enable KEY | disable KEY | set KEY --variant V | rollout KEY V=W,... | eval KEY [--context JSON]) --prefix PREFIX',
  options: {
    prefix: { type: 'string', arg: 'PREFIX', help: 'where the flags are, e.g. /flags/shop/dev/ (default DIALS_FLAGS_PREFIX)' },
    'unused-for': { type: 'string', arg: 'DURATION', help: 'stale: no instance evaluated the flag for this long (default 30d)' },
    ...EVAL_OPTIONS,
    ...UPDATE_OPTIONS,
    ...CREATE_OPTIONS,
  },
  // Each subcommand takes only its own options: `dials flags ls --variant x` is a usage error.
  subcommands: {
    ls: {
      usage: 'dials flags ls --prefix PREFIX',
      summary: 'list flags: state, default variant, variants, targeting, evaluations and when any instance last evaluated it',
      options: ['prefix'],
    },
    stale: {
      usage: 'dials flags stale [--unused-for 30d] --prefix PREFIX',
      summary: 'flags no instance evaluated in that time, and flags that always answer the same variant',
      options: ['prefix', 'unused-for'],
    },
    create: {
      usage: 'dials flags create KEY [--template boolean|multi-variant|rollout] [--variants A,B] [--percent N] --prefix PREFIX',
      summary: 'a new flag from a template, created DISABLED',
      options: ['prefix', 'template', 'variants', 'percent', ...release],
    },
    enable: { usage: 'dials flags enable KEY --prefix PREFIX', summary: 'turn a flag on', options: ['prefix', ...release] },
    disable: { usage: 'dials flags disable KEY --prefix PREFIX', summary: 'turn a flag off', options: ['prefix', ...release] },
    set: {
      usage: 'dials flags set KEY --variant V --prefix PREFIX',
      summary: "change a flag's default variant",
      options: ['prefix', 'variant', ...release],
    },
    rollout: {
      usage: 'dials flags rollout KEY VARIANT=WEIGHT,... --prefix PREFIX',
      summary: "rewrite the weights of the flag's fractional rule (e.g. on=20,off=80)",
      options: ['prefix', ...release],
    },
    eval: {
      usage: 'dials flags eval KEY [--context JSON] --prefix PREFIX',
      summary: 'evaluate a flag for a context, as an application would',
      options: ['prefix', 'context'],
    },
  },
  examples: [
    'dials flags ls --prefix /flags/shop/dev/',
    'dials flags stale --unused-for 30d --prefix /flags/shop/dev/',
    'dials flags create dark-mode --prefix /flags/shop/dev/',
    'dials flags create search-ranking --template rollout --percent 5 --prefix /flags/shop/dev/',
    'dials flags enable new-checkout --prefix /flags/shop/dev/',
    'dials flags set checkout-theme --variant dark --prefix /flags/shop/dev/',
    'dials flags rollout new-checkout on=50,off=50 --prefix /flags/shop/dev/',
    `dials flags eval new-checkout --context '{"targetingKey":"u1"}' --prefix /flags/shop/dev/`,
  ],
  async run(ctx) {
    const [sub, key, extra] = ctx.args;
    const prefix = withSlash(ctx.values.prefix ?? process.env.DIALS_FLAGS_PREFIX ?? '');
    if (prefix === '/') throw new UsageError('flags needs --prefix (or DIALS_FLAGS_PREFIX), e.g. /flags/shop/dev/');
    if (sub === 'ls') return listFlags(ctx, prefix);
    if (sub === 'stale') return staleFlags(ctx, prefix);
    if (sub === undefined || !['create', 'enable', 'disable', 'set', 'rollout', 'eval'].includes(sub))
      throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: ${SUBCOMMANDS}`);
    if (!key) throw new UsageError(`flags ${sub}: missing KEY`);
    if (sub === 'eval') return evaluateFlag(ctx, prefix, key);
    if (sub === 'create') return createFlag(ctx, prefix, key);
    if (sub === 'rollout') return rolloutFlag(ctx, prefix, key, extra);
    return updateFlag(ctx, prefix, sub as 'enable' | 'disable' | 'set', key);
  },
});
