import { clusterStatus } from '@dials/core';
import { defineCommand } from '../command.js';
import { color, table } from '../output.js';

export const command = defineCommand({
  usage: 'dials status',
  stream: true,
  options: {},
  examples: ['dials status', 'dials status --json'],
  async run(ctx) {
    const status = await clusterStatus(await ctx.source());
    ctx.out.result(status, () =>
      [
        table(
          status.members.map((m) => [
            m.name,
            m.id,
            m.clientURLs.join(','),
            m.healthy ? color.green('healthy') : color.red(`unhealthy: ${m.error ?? ''}`),
            m.isLeader ? 'leader' : '',
            m.version ?? '',
            m.dbSize === undefined ? '' : `${(m.dbSize / 1024).toFixed(0)} KiB`,
            m.raftTerm === undefined ? '' : String(m.raftTerm),
            m.raftIndex === undefined ? '' : String(m.raftIndex),
          ]),
          ['NAME', 'ID', 'CLIENT URLS', 'HEALTH', 'ROLE', 'VERSION', 'DB SIZE', 'TERM', 'INDEX'],
        ),
        status.alarms.length > 0
          ? color.red(`alarms: ${status.alarms.map((a) => `${a.alarm} on ${a.memberId}`).join(', ')}`)
          : color.dim('no alarms'),
      ].join('\n'),
    );
    return status.members.every((m) => m.healthy) ? 0 : 1;
  },
});
