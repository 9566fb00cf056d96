import { spawn } from 'node:child_process';
import {
  clusterStatus,
  type EtcdSource,
  getRelease,
  isSecretPath,
  type KeyChange,
  listReleases,
  memorySource,
  namespaceOf,
  publishKeys,
  type RangeResult,
  REDACTED,
  type Release,
  rollbackRelease,
  withLock,
} from '@dials/core';
import { createFlags, validateFlagDefinition } from '@dials/flags';
import { decode, formatDocument, plan, readEntries, toDocument } from './entries.js';
import { color, type Output, parseDuration, progress, table, UsageError } from './output.js';

export type Values = Readonly<Record<string, string | boolean | undefined>>;

export interface Context {
  readonly args: readonly string[];
  readonly rest: readonly string[];
  readonly values: Values;
  readonly out: Output;
  source(): Promise<EtcdSource>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly examples: readonly string[];
  run(ctx: Context): Promise<number | undefined>;
}

const str = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

function need(ctx: Context, count: number, what: string): string[] {
  if (ctx.args.length < count) throw new UsageError(`missing ${what}`);
  return ctx.args.slice(0, count) as string[];
}

/** `/config/shop/dev/database/host` → `config/shop/dev`: releases of a key go to its app and environment. */
function namespaceFor(ctx: Context, key: string): string {
  return str(ctx.values, 'namespace') ?? namespaceOf(key.split('/').filter(Boolean).slice(0, 3).join('/'));
}

/** Values of secret keys (password, token, apiKey, ...) are shown only with --show-secrets. */
function shown(ctx: Context, key: string, value: string | undefined): string | undefined {
  return value === undefined || ctx.values['show-secrets'] === true || !isSecretPath(key) ? value : REDACTED;
}

function withSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function describeRelease(release: Release): string {
  return `release ${release.id} (revision ${release.revision}, ${release.changes.length} change${release.changes.length === 1 ? '' : 's'}) in ${release.namespace}`;
}

async function write(
  ctx: Context,
  changes: KeyChange[],
  namespace: string,
  extra: { ttlMs?: number; expectRevision?: number; guardPrefix?: string } = {},
) {
  const bar = changes.length > 128 ? progress(changes.length) : () => {};
  const release = await publishKeys(await ctx.source(), changes, {
    message: str(ctx.values, 'message'),
    author: str(ctx.values, 'author'),
    namespace,
    onProgress: (done) => bar(done),
    ...extra,
  });
  ctx.out.result({ release }, () => `${color.green('✓')} ${describeRelease(release)}`);
}

function printPlan(ctx: Context, p: ReturnType<typeof plan>, prefix: string, apply: boolean) {
  ctx.out.result(
    {
      prefix,
      put: p.put.map(([path, value]) => ({ key: prefix + path, value: shown(ctx, prefix + path, value) })),
      delete: p.remove.map((path) => prefix + path),
      unchanged: p.same,
      applied: apply,
    },
    () =>
      [
        ...p.put.map(([path, value]) => `${color.green('+')} ${prefix}${path} = ${shown(ctx, prefix + path, value)}`),
        ...p.remove.map((path) => `${color.red('-')} ${prefix}${path}`),
        color.dim(
          `${p.put.length} to write, ${p.remove.length} to delete, ${p.same} unchanged${apply ? '' : ' (dry run: add --apply to write)'}`,
        ),
      ].join('\n'),
  );
}

/**
 * Make the keys under `prefix` equal `wanted`: print the plan (a dry run) unless --apply, then write
 * it compare-and-set against the revision it was planned at. Shared by import and sync.
 */
async function applyPlan(ctx: Context, wanted: ReadonlyMap<string, string>, current: RangeResult, prefix: string): Promise<number> {
  const p = plan(wanted, current.kvs, prefix, ctx.values.delete === true);
  if (ctx.values.apply !== true || (p.put.length === 0 && p.remove.length === 0)) {
    printPlan(ctx, p, prefix, false);
    return 0;
  }
  const changes: KeyChange[] = [
    ...p.put.map(([path, value]) => ({ key: prefix + path, after: value })),
    ...p.remove.map((path) => ({ key: prefix + path, after: undefined })),
  ];
  await write(ctx, changes, namespaceFor(ctx, prefix), { expectRevision: current.revision, guardPrefix: prefix });
  return 0;
}

export const commands: Command[] = [
  {
    name: 'get',
    summary: 'print a key',
    usage: 'dials get KEY',
    examples: ['dials get /config/shop/dev/database/port', 'dials get /config/shop/dev/database/port --json'],
    async run(ctx) {
      const [key] = need(ctx, 1, 'KEY') as [string];
      const kv = await (await ctx.source()).get(key);
      if (!kv) {
        ctx.out.result({ key, found: false }, () => `${color.red('not found:')} ${key}`);
        return 1;
      }
      const value = shown(ctx, kv.key, kv.value) as string;
      ctx.out.result({ ...kv, value, decoded: value === REDACTED ? REDACTED : decode(kv.value) }, () => value);
      return 0;
    },
  },
  {
    name: 'ls',
    summary: 'list keys under a prefix as a tree',
    usage: 'dials ls [PREFIX]',
    examples: ['dials ls /config/shop/', 'dials ls /config/shop/dev/ --json'],
    async run(ctx) {
      const prefix = ctx.args[0] ?? '/';
      const { kvs, revision } = await (await ctx.source()).list(prefix);
      ctx.out.result(
        { prefix, revision, keys: kvs.map((kv) => ({ key: kv.key, value: shown(ctx, kv.key, kv.value), modRevision: kv.modRevision })) },
        () => {
          if (kvs.length === 0) return color.dim(`no keys under ${prefix}`);
          const lines: string[] = [];
          let previous: string[] = [];
          for (const kv of kvs) {
            const parts = kv.key.slice(prefix.length).split('/');
            let shared = 0;
            while (shared < parts.length - 1 && parts[shared] === previous[shared]) shared++;
            for (let i = shared; i < parts.length - 1; i++) lines.push(`${'  '.repeat(i)}${color.cyan(`${parts[i]}/`)}`);
            const value = shown(ctx, kv.key, kv.value) as string;
            lines.push(
              `${'  '.repeat(parts.length - 1)}${parts[parts.length - 1]} ${color.dim('=')} ${value.length > 80 ? `${value.slice(0, 77)}...` : value}`,
            );
            previous = parts;
          }
          return lines.join('\n');
        },
      );
      return 0;
    },
  },
  {
    name: 'set',
    summary: 'write a key (JSON, or plain text with --string); --ttl makes it temporary',
    usage: 'dials set KEY VALUE [--string] [--ttl 10m] [--message TEXT]',
    examples: [
      'dials set /config/shop/dev/database/port 5432',
      "dials set /config/shop/dev/logging/level '\"debug\"' --ttl 10m -m 'debug checkout'",
      'dials set /config/shop/dev/database/host db.internal --string',
    ],
    async run(ctx) {
      const [key, value] = need(ctx, 2, 'KEY and VALUE') as [string, string];
      if (ctx.values.string !== true) {
        try {
          JSON.parse(value);
        } catch {
          throw new UsageError(`VALUE is not JSON: ${value} (quote a string as '"text"', or pass --string)`);
        }
      }
      const ttl = str(ctx.values, 'ttl');
      await write(ctx, [{ key, after: value }], namespaceFor(ctx, key), ttl ? { ttlMs: parseDuration(ttl) } : {});
      return 0;
    },
  },
  {
    name: 'rm',
    summary: 'delete a key, or every key under a prefix with -r',
    usage: 'dials rm KEY [-r]',
    examples: ['dials rm /config/shop/dev/feature/old', 'dials rm -r /config/shop/tmp/'],
    async run(ctx) {
      const [key] = need(ctx, 1, 'KEY') as [string];
      const source = await ctx.source();
      const keys = ctx.values.recursive === true ? (await source.list(key)).kvs.map((kv) => kv.key) : [key];
      if (keys.length === 0 || (ctx.values.recursive !== true && !(await source.get(key)))) {
        ctx.out.result({ deleted: 0 }, () => color.dim(`nothing to delete at ${key}`));
        return 1;
      }
      await write(
        ctx,
        keys.map((k) => ({ key: k, after: undefined })),
        namespaceFor(ctx, key),
      );
      return 0;
    },
  },
  {
    name: 'watch',
    summary: 'print changes under a prefix until Ctrl-C',
    usage: 'dials watch PREFIX',
    examples: ['dials watch /config/shop/dev/', 'dials watch /flags/ --json'],
    async run(ctx) {
      const [prefix] = need(ctx, 1, 'PREFIX') as [string];
      const source = await ctx.source();
      let first = true;
      const watch = source.watch(prefix, {
        reset: (range) => {
          if (first)
            ctx.out.line(color.dim(`watching ${prefix} from revision ${range.revision} (${range.kvs.length} keys); Ctrl-C to stop`));
          first = false;
        },
        batch: (batch) => {
          for (const e of batch.events) {
            const value = shown(ctx, e.key, e.value);
            ctx.out.result({ revision: batch.revision, type: e.type, key: e.key, value }, () =>
              e.type === 'put'
                ? `${color.dim(String(batch.revision))} ${color.green('put')} ${e.key} = ${value}`
                : `${color.dim(String(batch.revision))} ${color.red('delete')} ${e.key}`,
            );
          }
        },
        status: (status) => ctx.out.line(color.dim(`(${status})`)),
        error: (error) => process.stderr.write(`${color.yellow('warning:')} ${error.message}\n`),
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await watch.close();
      return 0;
    },
  },
  {
    name: 'import',
    summary: 'import a JSON, YAML, .env or flagd file under a prefix (dry run unless --apply)',
    usage: 'dials import FILE --prefix PREFIX [--apply] [--delete] [--flags]',
    examples: [
      'dials import config.yaml --prefix /config/shop/dev/',
      'dials import config.yaml --prefix /config/shop/dev/ --apply -m "initial config"',
      'dials import flags.flagd.json --prefix /flags/shop/dev/ --apply',
    ],
    async run(ctx) {
      const [file] = need(ctx, 1, 'FILE') as [string];
      const prefix = str(ctx.values, 'prefix');
      if (!prefix) throw new UsageError('import needs --prefix, e.g. --prefix /config/shop/dev/');
      const { entries } = readEntries(file, ctx.values.flags === true ? 'flags' : 'auto');
      const source = await ctx.source();
      const target = withSlash(prefix);
      return applyPlan(ctx, entries, await source.list(target), target);
    },
  },
  {
    name: 'export',
    summary: 'print the keys under a prefix as one JSON, YAML or .env document',
    usage: 'dials export PREFIX [--format json|yaml|env]',
    examples: ['dials export /config/shop/dev/ --format yaml > config.yaml'],
    async run(ctx) {
      const [prefix] = need(ctx, 1, 'PREFIX') as [string];
      const kvs = (await (await ctx.source()).list(withSlash(prefix))).kvs.map((kv) => ({
        ...kv,
        value: shown(ctx, kv.key, kv.value) === REDACTED ? JSON.stringify(REDACTED) : kv.value,
      }));
      const document = toDocument(kvs, withSlash(prefix));
      const format = str(ctx.values, 'format') ?? 'json';
      process.stdout.write(`${ctx.out.json ? JSON.stringify(document) : formatDocument(document, format, kvs, withSlash(prefix))}\n`);
      return 0;
    },
  },
  {
    name: 'diff',
    summary: 'compare two prefixes (environments)',
    usage: 'dials diff PREFIX_A PREFIX_B',
    examples: ['dials diff /config/shop/staging/ /config/shop/production/'],
    async run(ctx) {
      const [a, b] = need(ctx, 2, 'two prefixes').map(withSlash) as [string, string];
      const source = await ctx.source();
      const [left, right] = await Promise.all([source.list(a), source.list(b)]);
      const l = new Map(left.kvs.map((kv) => [kv.key.slice(a.length), kv.value]));
      const r = new Map(right.kvs.map((kv) => [kv.key.slice(b.length), kv.value]));
      // Compare the real values; show secret ones redacted.
      const show = (prefix: string, values: Map<string, string>) => (path: string) => shown(ctx, prefix + path, values.get(path));
      const showA = show(a, l);
      const showB = show(b, r);
      const onlyA = [...l.keys()].filter((k) => !r.has(k));
      const onlyB = [...r.keys()].filter((k) => !l.has(k));
      const differ = [...l.keys()].filter((k) => r.has(k) && r.get(k) !== l.get(k));
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
      return 0;
    },
  },
  {
    name: 'sync',
    summary: 'make prefix B equal prefix A (dry run unless --apply; --delete removes keys only in B)',
    usage: 'dials sync PREFIX_A PREFIX_B [--delete] [--apply]',
    examples: [
      'dials sync /config/shop/staging/ /config/shop/production/',
      'dials sync /config/shop/staging/ /config/shop/production/ --delete --apply -m "promote staging"',
    ],
    async run(ctx) {
      const [a, b] = need(ctx, 2, 'two prefixes').map(withSlash) as [string, string];
      const source = await ctx.source();
      const [left, right] = await Promise.all([source.list(a), source.list(b)]);
      return applyPlan(ctx, new Map(left.kvs.map((kv) => [kv.key.slice(a.length), kv.value])), right, b);
    },
  },
  {
    name: 'history',
    summary: 'list releases of a namespace, newest first',
    usage: 'dials history [--namespace config/shop/dev] [--limit 20]',
    examples: ['dials history --namespace config/shop/dev', 'dials history --namespace config/shop/dev --json'],
    async run(ctx) {
      const namespace = str(ctx.values, 'namespace') ?? 'default';
      const releases = await listReleases(await ctx.source(), namespace, Number(str(ctx.values, 'limit') ?? 20));
      ctx.out.result({ namespace, releases }, () =>
        releases.length === 0
          ? color.dim(`no releases in ${namespace}`)
          : table(
              releases.map((r) => [
                r.id.replace(/^0+/, ''),
                r.at.replace('T', ' ').slice(0, 19),
                r.author,
                String(r.changes.length),
                `${r.message}${r.rollbackOf ? ` (rolls back ${r.rollbackOf.replace(/^0+/, '')})` : ''}`,
              ]),
              ['RELEASE', 'AT', 'AUTHOR', 'CHANGES', 'MESSAGE'],
            ),
      );
      return 0;
    },
  },
  {
    name: 'rollback',
    summary: 'publish the inverse of a release',
    usage: 'dials rollback RELEASE --namespace NAMESPACE',
    examples: ['dials rollback 1234 --namespace config/shop/dev -m "bad port"'],
    async run(ctx) {
      const [id] = need(ctx, 1, 'RELEASE') as [string];
      const namespace = str(ctx.values, 'namespace') ?? 'default';
      const source = await ctx.source();
      const release = await rollbackRelease(source, await getRelease(source, namespace, id), {
        author: str(ctx.values, 'author'),
        message: str(ctx.values, 'message'),
      });
      ctx.out.result({ release }, () => `${color.green('✓')} ${describeRelease(release)}`);
      return 0;
    },
  },
  {
    name: 'lock',
    summary: 'run a command under a distributed lock',
    usage: 'dials lock NAME [--ttl 10s] [--wait 30s] -- COMMAND [ARGS...]',
    examples: ['dials lock deploy-shop -- ./deploy.sh production'],
    async run(ctx) {
      const [name] = need(ctx, 1, 'NAME') as [string];
      const [command, ...args] = ctx.rest;
      if (!command) throw new UsageError('lock needs a command after --');
      const source = await ctx.source();
      const ttl = str(ctx.values, 'ttl');
      const wait = str(ctx.values, 'wait');
      return withLock(
        source,
        name,
        () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(command, args, { stdio: 'inherit' });
            child.once('error', reject);
            child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
          }),
        { ttlMs: ttl ? parseDuration(ttl) : 10_000, waitMs: wait ? parseDuration(wait) : 30_000 },
      );
    },
  },
  {
    name: 'status',
    summary: 'cluster status: members, leader, health, version, db size, raft term and index',
    usage: 'dials status',
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
  },
  {
    name: 'services',
    summary: 'list registered service instances (`services ls [NAME]`)',
    usage: 'dials services ls [NAME]',
    examples: ['dials services ls', 'dials services ls checkout --json'],
    async run(ctx) {
      if (ctx.args[0] !== 'ls') throw new UsageError('services: the subcommand is ls');
      const name = ctx.args[1];
      const prefix = name ? `/services/${name}/` : '/services/';
      const { kvs } = await (await ctx.source()).list(prefix);
      const instances = kvs.map((kv) => {
        const [service, id] = kv.key.slice('/services/'.length).split('/') as [string, string];
        const data = decode(kv.value) as { host?: string; port?: number; registeredAt?: string };
        return { service, id, ...data };
      });
      ctx.out.result({ instances }, () =>
        instances.length === 0
          ? color.dim(`no instances under ${prefix}`)
          : table(
              instances.map((i) => [i.service, i.id, `${String(i.host)}:${String(i.port)}`, String(i.registeredAt ?? '')]),
              ['SERVICE', 'INSTANCE', 'ADDRESS', 'REGISTERED'],
            ),
      );
      return 0;
    },
  },
  {
    name: 'flags',
    summary: 'feature flags: ls, enable KEY, disable KEY, set KEY --variant V, eval KEY --context JSON',
    usage: 'dials flags (ls | enable KEY | disable KEY | set KEY --variant V | eval KEY [--context JSON]) --prefix PREFIX',
    examples: [
      'dials flags ls --prefix /flags/shop/dev/',
      'dials flags enable new-checkout --prefix /flags/shop/dev/',
      'dials flags set checkout-theme --variant dark --prefix /flags/shop/dev/',
      `dials flags eval new-checkout --context '{"targetingKey":"u1"}' --prefix /flags/shop/dev/`,
    ],
    async run(ctx) {
      const [sub, key] = ctx.args;
      const prefix = withSlash(str(ctx.values, 'prefix') ?? process.env.DIALS_FLAGS_PREFIX ?? '');
      if (prefix === '/') throw new UsageError('flags needs --prefix (or DIALS_FLAGS_PREFIX), e.g. /flags/shop/dev/');
      const source = await ctx.source();
      if (sub === 'ls') {
        const { kvs } = await source.list(prefix);
        const flags = kvs
          .filter((kv) => !kv.key.endsWith('$evaluators'))
          .map((kv) => {
            const doc = decode(kv.value) as { state?: string; defaultVariant?: string; variants?: object; targeting?: object };
            return {
              key: kv.key.slice(prefix.length),
              state: doc.state,
              defaultVariant: doc.defaultVariant,
              variants: Object.keys(doc.variants ?? {}),
              targeting: doc.targeting !== undefined,
            };
          });
        ctx.out.result({ flags }, () =>
          table(
            flags.map((f) => [
              f.key,
              f.state === 'ENABLED' ? color.green('ENABLED') : color.dim(String(f.state)),
              String(f.defaultVariant ?? ''),
              f.variants.join(','),
              f.targeting ? 'yes' : '',
            ]),
            ['FLAG', 'STATE', 'DEFAULT', 'VARIANTS', 'TARGETING'],
          ),
        );
        return 0;
      }
      if (!key) throw new UsageError(`flags ${sub ?? ''}: missing KEY`);
      if (sub === 'eval') {
        let context: Record<string, unknown> = {};
        const raw = str(ctx.values, 'context');
        if (raw) {
          try {
            context = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            throw new UsageError(`--context is not JSON: ${raw}`);
          }
        }
        // Evaluate exactly as an application would: the same compiled flags over a copy of the prefix.
        const { kvs } = await source.list(prefix);
        const flags = createFlags({ source: memorySource({ initial: Object.fromEntries(kvs.map((kv) => [kv.key, kv.value])) }), prefix });
        await flags.ready();
        const details = flags.evaluate(key, context);
        await flags.close();
        ctx.out.result(details, () =>
          table(
            [[key, JSON.stringify(details.value), details.variant ?? '', details.reason, details.errorCode ?? '']],
            ['FLAG', 'VALUE', 'VARIANT', 'REASON', 'ERROR'],
          ),
        );
        return details.errorCode ? 1 : 0;
      }
      const kv = await source.get(prefix + key);
      if (!kv) throw new UsageError(`no flag ${key} under ${prefix}`);
      const doc = decode(kv.value) as Record<string, unknown>;
      let next: Record<string, unknown>;
      if (sub === 'enable' || sub === 'disable') next = { ...doc, state: sub === 'enable' ? 'ENABLED' : 'DISABLED' };
      else if (sub === 'set') {
        const variant = str(ctx.values, 'variant');
        if (!variant) throw new UsageError('flags set needs --variant');
        next = { ...doc, defaultVariant: variant };
      } else throw new UsageError(`flags: unknown subcommand ${sub ?? ''}`);
      try {
        validateFlagDefinition(key, next);
      } catch (error) {
        throw new UsageError(`flag ${key} would be invalid: ${(error as Error).message}`);
      }
      await write(ctx, [{ key: prefix + key, after: JSON.stringify(next) }], namespaceFor(ctx, prefix));
      return 0;
    },
  },
];
