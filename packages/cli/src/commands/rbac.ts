import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../output.js';

interface Grant {
  readonly permission: 'read' | 'readwrite';
  readonly prefix: string;
  readonly why: string;
}

interface Role {
  readonly name: string;
  readonly who: string;
  readonly grants: readonly Grant[];
}

/** The roles for one app and environment: its operators', and its running services'. */
export function rolesFor(team: string): Role[] {
  const config = `config/${team}`;
  const flags = `flags/${team}`;
  const name = team.replace(/\//g, '-');
  return [
    {
      name: `${name}-operator`,
      who: `people who change ${team}: its config and flags, recorded as releases they can roll back`,
      grants: [
        { permission: 'readwrite', prefix: `/${config}/`, why: 'the config' },
        { permission: 'readwrite', prefix: `/${flags}/`, why: 'the flags' },
        { permission: 'readwrite', prefix: `/dials/releases/${config}/`, why: "the config's releases (history, rollback)" },
        { permission: 'readwrite', prefix: `/dials/releases/${flags}/`, why: "the flags' releases" },
        { permission: 'readwrite', prefix: `/dials/in-progress/${config}`, why: 'marks a release of many keys while it is written' },
        { permission: 'readwrite', prefix: `/dials/in-progress/${flags}`, why: 'the same for the flags' },
        { permission: 'read', prefix: `/dials/schemas/${config}/`, why: "the apps' schemas, which check every write" },
        { permission: 'read', prefix: `/dials/schemas/${flags}/`, why: 'schemas registered over the flags, likewise' },
        { permission: 'read', prefix: `/dials/instances/${config}/`, why: 'the fleet (dials fleet)' },
        { permission: 'read', prefix: `/dials/instances/${flags}/`, why: "the flags' fleet and usage" },
        { permission: 'read', prefix: `/dials/flag-usage/${flags}/`, why: 'when each flag was last evaluated (flags stale)' },
        { permission: 'readwrite', prefix: `/dials/ofrep-keys/${flags}/`, why: 'OFREP API keys for these flags' },
      ],
    },
    {
      name: `${name}-app`,
      who: `the services of ${team}: they read config and flags, report themselves and publish their schema`,
      grants: [
        { permission: 'read', prefix: `/${config}/`, why: 'the config' },
        { permission: 'read', prefix: `/${flags}/`, why: 'the flags' },
        { permission: 'read', prefix: '/dials/in-progress/', why: 'releases being written, held until whole (names and counts only)' },
        { permission: 'readwrite', prefix: `/dials/instances/${config}/`, why: 'its presence report' },
        { permission: 'readwrite', prefix: `/dials/instances/${flags}/`, why: 'its flag usage report' },
        { permission: 'readwrite', prefix: `/dials/schemas/${config}/`, why: 'its schema, which checks every write' },
        { permission: 'readwrite', prefix: `/dials/flag-usage/${flags}/`, why: 'when it last evaluated each flag' },
      ],
    },
  ];
}

function script(roles: readonly Role[]): string {
  const lines = [
    '# Run as an etcd user with the root role (etcdctl --user root ...). Nothing else is granted:',
    "# no other prefix, and no other team's releases, schemas or reports.",
  ];
  for (const role of roles) {
    lines.push('', `# ${role.name}: ${role.who}`, `etcdctl role add ${role.name}`);
    for (const g of role.grants)
      lines.push(`etcdctl role grant-permission ${role.name} ${g.permission} --prefix=true ${g.prefix}   # ${g.why}`);
  }
  lines.push(
    '',
    '# then, for each person and each service:',
    `#   etcdctl user add NAME && etcdctl user grant-role NAME ${roles[0]?.name ?? ''}`,
  );
  return lines.join('\n');
}

export const command = defineCommand({
  usage: 'dials rbac APP/ENV',
  options: {},
  examples: ['dials rbac shop/production', 'dials rbac shop/production --json'],
  async run(ctx) {
    const [given] = need(ctx, 1, 'APP/ENV (e.g. shop/production)') as [string];
    const team = given.replace(/^\/+|\/+$/g, '').replace(/^(config|flags)\//, '');
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(team))
      throw new UsageError(`not an app and environment: ${JSON.stringify(given)} (e.g. shop/production)`);
    const roles = rolesFor(team);
    ctx.out.result({ team, roles }, () => script(roles));
    return 0;
  },
});
