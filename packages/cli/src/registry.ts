import type { Command } from './command.js';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** The command's module is loaded only when it runs or shows its help: `dials --help` loads none. */
  load(): Promise<Command>;
}

// The order is the order of `dials --help`.
export const registry: readonly CommandEntry[] = [
  { name: 'get', summary: 'print a key', load: async () => (await import('./commands/get.js')).command },
  { name: 'ls', summary: 'list keys under a prefix as a tree', load: async () => (await import('./commands/ls.js')).command },
  {
    name: 'set',
    summary: 'write a key (JSON, or plain text with --string); --ttl makes it temporary',
    load: async () => (await import('./commands/set.js')).command,
  },
  {
    name: 'rm',
    summary: 'delete a key, or the key and every key under KEY/ with -r (asks first for more than a handful)',
    load: async () => (await import('./commands/rm.js')).command,
  },
  { name: 'watch', summary: 'print changes under a prefix until Ctrl-C', load: async () => (await import('./commands/watch.js')).command },
  {
    name: 'import',
    summary: 'import a JSON, YAML, .env or flagd file under a prefix (dry run unless --apply)',
    load: async () => (await import('./commands/import.js')).command,
  },
  {
    name: 'export',
    summary: 'print the keys under a prefix as one JSON, YAML or .env document',
    load: async () => (await import('./commands/export.js')).command,
  },
  { name: 'diff', summary: 'compare two prefixes (environments)', load: async () => (await import('./commands/diff.js')).command },
  {
    name: 'sync',
    summary: 'make prefix B equal prefix A (dry run unless --apply; --delete removes keys only in B)',
    load: async () => (await import('./commands/sync.js')).command,
  },
  {
    name: 'history',
    summary: 'list releases of a prefix (namespace), newest first; without one, the namespaces that have releases',
    load: async () => (await import('./commands/history.js')).command,
  },
  { name: 'rollback', summary: 'publish the inverse of a release', load: async () => (await import('./commands/rollback.js')).command },
  {
    name: 'release',
    summary: 'releases being written, and resume or abort one whose writer died part-way',
    load: async () => (await import('./commands/release.js')).command,
  },
  { name: 'lock', summary: 'run a command under a distributed lock', load: async () => (await import('./commands/lock.js')).command },
  {
    name: 'status',
    summary: 'cluster status: members, leader, health, version, db size, raft term and index',
    load: async () => (await import('./commands/status.js')).command,
  },
  {
    name: 'services',
    summary: 'list registered service instances (`services ls [NAME]`)',
    load: async () => (await import('./commands/services.js')).command,
  },
  {
    name: 'fleet',
    summary: 'running instances of a namespace: revision, status, labels, the keys they refuse',
    load: async () => (await import('./commands/fleet.js')).command,
  },
  {
    name: 'rbac',
    summary: 'print the etcd roles that give one team its config, flags and releases, and apps what they need',
    load: async () => (await import('./commands/rbac.js')).command,
  },
  {
    name: 'gray',
    summary: 'gray releases (canary): ls, show, promote, abandon, advance, pause, resume; write one with set --gray',
    load: async () => (await import('./commands/gray/index.js')).command,
  },
  {
    name: 'policy',
    summary: "a namespace's review policy: how many approvals its writes need (get, set --require-approval N)",
    load: async () => (await import('./commands/policy.js')).command,
  },
  {
    name: 'cr',
    summary: 'change requests: ls, show, create, edit, approve, reject, cancel, apply, schedule',
    load: async () => (await import('./commands/cr/index.js')).command,
  },
  {
    name: 'scheduler',
    summary: 'apply scheduled change requests at their time, while this process leads the scheduler election (until Ctrl-C)',
    load: async () => (await import('./commands/scheduler.js')).command,
  },
  {
    name: 'flags',
    summary: 'feature flags: ls, stale, create, enable, disable, set --variant, rollout (weights), eval --context',
    load: async () => (await import('./commands/flags/index.js')).command,
  },
  {
    name: 'console',
    summary: 'serve the console (log in with etcd users) and OFREP on one port, until Ctrl-C',
    load: async () => (await import('./commands/console/index.js')).command,
  },
  {
    name: 'ofrep',
    summary: 'serve OFREP (flags over HTTP for any language) until Ctrl-C; `ofrep keys` makes, lists and revokes its API keys',
    load: async () => (await import('./commands/ofrep/index.js')).command,
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return registry.find((entry) => entry.name === name);
}
