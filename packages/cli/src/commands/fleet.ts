import { fleetStatus, INSTANCES_PREFIX, namespaceOf } from '@dials/core';
import { defineCommand } from '../command.js';
import { color, table } from '../output.js';

export const command = defineCommand({
  usage: 'dials fleet [NAMESPACE | PREFIX]',
  options: {},
  examples: ['dials fleet', 'dials fleet config/shop/production', 'dials fleet /config/shop/production/ --json'],
  async run(ctx) {
    const source = await ctx.source();
    const given = ctx.args[0];
    if (given === undefined) {
      const namespaces = new Map<string, number>();
      for (const kv of (await source.list(INSTANCES_PREFIX)).kvs) {
        const rest = kv.key.slice(INSTANCES_PREFIX.length);
        const namespace = rest.slice(0, rest.lastIndexOf('/'));
        namespaces.set(namespace, (namespaces.get(namespace) ?? 0) + 1);
      }
      const list = [...namespaces].map(([namespace, instances]) => ({ namespace, instances }));
      ctx.out.result({ namespaces: list }, () =>
        list.length === 0
          ? color.dim(`no instances report (none under ${INSTANCES_PREFIX})`)
          : `${table(
              list.map((n) => [n.namespace, String(n.instances)]),
              ['NAMESPACE', 'INSTANCES'],
            )}\n${color.dim("Run 'dials fleet NAMESPACE' for its instances.")}`,
      );
      return 0;
    }
    const fleet = await fleetStatus(source, namespaceOf(given));
    // etcdctl (or any client but Dials) writes past releases, reviews and schema checks: say which keys it wrote.
    const outside = fleet.outsideReleases.map(
      (o) =>
        `${color.yellow('outside a release')} ${o.key} (revision ${o.revision}): written by etcdctl or another client, not through Dials (no review, no history, no rollback)`,
    );
    ctx.out.result(fleet, () => {
      if (fleet.instances.length === 0) return [color.dim(`no live instance reports in ${fleet.namespace}`), ...outside].join('\n');
      // The GRAY column only when some instance is on a gray release.
      const grayIds = Object.keys(fleet.gray);
      const grayCell = (i: (typeof fleet.instances)[number]) => (grayIds.length === 0 ? [] : [(i.gray ?? []).join(',') || '-']);
      const rows = fleet.instances.map((i) => [
        i.id,
        i.app,
        i.status === 'ready' ? color.green(i.status) : i.status === 'degraded' ? color.yellow(i.status) : color.red(i.status),
        `${i.revision}${i.behind > 0 ? color.yellow(` (${i.behind} behind)`) : ''}`,
        Object.entries(i.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
        `${i.host}:${i.pid}`,
        ...grayCell(i),
      ]);
      const refused = fleet.refused.map(
        (r) =>
          `${color.red('refused')} ${r.key}${r.raw === undefined ? '' : ` = ${JSON.stringify(r.raw)}`} by ${r.apps.join(', ')} (${r.instances.length} instance${r.instances.length === 1 ? '' : 's'}: ${r.instances.join(', ')}): ${r.message}`,
      );
      const gray = Object.entries(fleet.gray).map(
        ([id, on]) => `${color.cyan(`on gray release ${id}`)}: ${on.length} instance${on.length === 1 ? '' : 's'} (${on.join(', ')})`,
      );
      const summary = color.dim(
        `${fleet.instances.length} instance${fleet.instances.length === 1 ? '' : 's'}, ${fleet.lagging.length} lagging, ${fleet.unhealthy.length} not ready, ${fleet.refused.length} keys refused, ${fleet.outsideReleases.length} written outside a release`,
      );
      const headers = ['INSTANCE', 'APP', 'STATUS', 'REVISION', 'LABELS', 'HOST', ...(grayIds.length === 0 ? [] : ['GRAY'])];
      return [table(rows, headers), ...gray, ...refused, ...outside, summary].join('\n');
    });
    return fleet.unhealthy.length > 0 || fleet.refused.length > 0 ? 1 : 0;
  },
});
