import { need } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../output.js';

interface Grant {
  readonly permission: 'read' | 'readwrite';
  readonly prefix: string;
  readonly why: string;
  /** One key, not a prefix: `/dials/policy/config/shop` must not grant `/dials/policy/config/shopping`. */
  readonly exact?: boolean;
}

/**
 * Read the review policies that cover `namespace`: its own, those below it, and one per namespace
 * above it (a policy on `config/shop` covers `config/shop/production`). A policy the role may not
 * read would not be applied to its writes. Writing them is left to root: whoever may write a
 * policy may lift it.
 */
function policyGrants(namespace: string): Grant[] {
  const segments = namespace.split('/');
  return [
    ...segments.map((_, i) => ({
      permission: 'read' as const,
      prefix: `/dials/policy/${segments.slice(0, i + 1).join('/')}`,
      why: i === segments.length - 1 ? 'its review policy (dials policy get)' : 'a review policy that covers it',
      exact: true,
    })),
    { permission: 'read', prefix: `/dials/policy/${namespace}/`, why: 'the review policies below it' },
  ];
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
        { permission: 'readwrite', prefix: `/dials/gray/${config}/`, why: 'gray releases of the config (set --gray, dials gray)' },
        { permission: 'readwrite', prefix: `/dials/in-progress/${config}`, why: 'marks a release of many keys while it is written' },
        { permission: 'readwrite', prefix: `/dials/in-progress/${flags}`, why: 'the same for the flags' },
        { permission: 'read', prefix: `/dials/schemas/${config}/`, why: "the apps' schemas, which check every write" },
        { permission: 'read', prefix: `/dials/schemas/${flags}/`, why: 'schemas registered over the flags, likewise' },
        { permission: 'read', prefix: `/dials/instances/${config}/`, why: 'the fleet (dials fleet)' },
        { permission: 'read', prefix: `/dials/instances/${flags}/`, why: "the flags' fleet and usage" },
        { permission: 'read', prefix: `/dials/flag-usage/${flags}/`, why: 'when each flag was last evaluated (flags stale)' },
        { permission: 'readwrite', prefix: `/dials/ofrep-keys/${flags}/`, why: 'OFREP API keys for these flags' },
        { permission: 'readwrite', prefix: `/dials/changes/${config}/`, why: 'change requests to the config (dials cr)' },
        { permission: 'readwrite', prefix: `/dials/changes/${flags}/`, why: 'change requests to the flags' },
        ...policyGrants(config),
        ...policyGrants(flags),
        {
          permission: 'readwrite',
          prefix: `/elections/${name}-scheduler/`,
          why: `the election of dials scheduler ${config} ${flags} --election ${name}-scheduler`,
        },
      ],
    },
    {
      name: `${name}-app`,
      who: `the services of ${team}: they read config and flags, report themselves and publish their schema`,
      grants: [
        { permission: 'read', prefix: `/${config}/`, why: 'the config' },
        { permission: 'read', prefix: `/${flags}/`, why: 'the flags' },
        { permission: 'read', prefix: `/dials/gray/${config}/`, why: 'the gray releases that may select it (by its labels)' },
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
      lines.push(`etcdctl role grant-permission ${role.name} ${g.permission} ${g.exact ? '' : '--prefix=true '}${g.prefix}   # ${g.why}`);
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
