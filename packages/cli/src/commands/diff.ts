import type { KeyValue } from '@dials/core';
import { need, sameBytes, shown, withSlash } from '../args.js';
import { defineCommand } from '../command.js';
import { color } from '../output.js';

export const command = defineCommand({
  usage: 'dials diff PREFIX_A PREFIX_B [--exit-code]',
  options: {
    'exit-code': { type: 'boolean', help: 'exit 1 when the prefixes differ, 0 when they are the same (for drift checks in CI)' },
  },
  examples: [
    'dials diff /config/shop/staging/ /config/shop/production/',
    'dials diff /config/shop/staging/ /config/shop/production/ --exit-code',
  ],
  async run(ctx) {
    const [a, b] = need(ctx, 2, 'two prefixes').map(withSlash) as [string, string];
    const source = await ctx.source();
    const [left, right] = await Promise.all([source.list(a), source.list(b)]);
    const l = new Map(left.kvs.map((kv) => [kv.key.slice(a.length), kv]));
    const r = new Map(right.kvs.map((kv) => [kv.key.slice(b.length), kv]));
    // Compare the real bytes (text and binary alike); show secret ones redacted.
    const show = (prefix: string, values: Map<string, KeyValue>) => (path: string) =>
      shown(ctx, prefix + path, values.get(path)?.value, values.get(path)?.binary);
    const showA = show(a, l);
    const showB = show(b, r);
    const onlyA = [...l.keys()].filter((k) => !r.has(k));
    const onlyB = [...r.keys()].filter((k) => !l.has(k));
    const differ = [...l.keys()].filter((k) => r.has(k) && !sameBytes(r.get(k) as KeyValue, l.get(k) as KeyValue));
    ctx.out.result(
      {
        onlyA,
        onlyB,
        differ: differ.map((path) => ({ path, a: showA(path), b: showB(path) })),
        same: l.size - onlyA.length - differ.length,
      },
      () =>
        [
          ...onlyA.map((p) => `${color.red('<')} ${p} = ${showA(p)}`),
          ...onlyB.map((p) => `${color.green('>')} ${p} = ${showB(p)}`),
          ...differ.map((p) => `${color.yellow('~')} ${p}: ${showA(p)} ${color.dim('→')} ${showB(p)}`),
          color.dim(`${onlyA.length} only in ${a}, ${onlyB.length} only in ${b}, ${differ.length} different`),
        ].join('\n'),
    );
    const differs = onlyA.length + onlyB.length + differ.length > 0;
    return ctx.values['exit-code'] === true && differs ? 1 : 0;
  },
});
