import { listReleases, namespaceOf, RELEASES_PREFIX, type Source } from '@dials/core';
import { decode, shownRelease } from '../args.js';
import { defineCommand } from '../command.js';
import { color, stderrLine, table, UsageError } from '../output.js';

/** Every namespace that has releases, with how many and when the last one was made. */
async function namespaces(source: Source): Promise<{ namespace: string; releases: number; latest: string }[]> {
  const found = new Map<string, { namespace: string; releases: number; latest: string; revision: number }>();
  for (const kv of (await source.list(RELEASES_PREFIX)).kvs) {
    const rest = kv.key.slice(RELEASES_PREFIX.length);
    const namespace = rest.slice(0, rest.lastIndexOf('/'));
    const entry = found.get(namespace) ?? { namespace, releases: 0, latest: '', revision: -1 };
    entry.releases++;
    if (kv.modRevision > entry.revision) {
      entry.revision = kv.modRevision;
      entry.latest = String((decode(kv.value) as { at?: unknown })?.at ?? '');
    }
    found.set(namespace, entry);
  }
  return [...found.values()].map(({ namespace, releases, latest }) => ({ namespace, releases, latest }));
}

export const command = defineCommand({
  usage: 'dials history [PREFIX] [--limit 20]',
  options: {
    namespace: { type: 'string', arg: 'NAMESPACE', help: 'whose releases, e.g. config/shop/dev (the same as PREFIX /config/shop/dev/)' },
    limit: { type: 'string', arg: 'N', help: 'at most this many releases (default 20)' },
  },
  examples: ['dials history', 'dials history /config/shop/dev/', 'dials history /config/shop/dev/ --json'],
  async run(ctx) {
    const given = ctx.args[0] ?? ctx.values.namespace;
    const limit = Number(ctx.values.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit is not a positive whole number: ${JSON.stringify(ctx.values.limit)}`);
    const source = await ctx.source();
    if (given === undefined) {
      const list = await namespaces(source);
      ctx.out.result({ namespaces: list }, () =>
        list.length === 0
          ? color.dim(`no releases yet (none under ${RELEASES_PREFIX})`)
          : `${table(
              list.map((n) => [n.namespace, String(n.releases), n.latest.replace('T', ' ').slice(0, 19)]),
              ['NAMESPACE', 'RELEASES', 'LATEST'],
            )}\n${color.dim("Run 'dials history NAMESPACE' (or its prefix, /config/shop/dev/) for its releases.")}`,
      );
      return 0;
    }
    const namespace = namespaceOf(given);
    // A record that cannot be read is skipped, and said on stderr: the others are still listed.
    const skipped: { key: string; reason: string }[] = [];
    const onSkipped = (key: string, reason: string) => {
      skipped.push({ key, reason });
      stderrLine(`${color.yellow('skipped:')} ${key}: ${reason}`);
    };
    const releases = (await listReleases(source, namespace, { limit, onSkipped })).map((r) => shownRelease(ctx, r));
    const marks = (r: (typeof releases)[number]) =>
      [
        r.state && r.state !== 'done' ? color.red(`[${r.state}]`) : '',
        r.forced ? color.yellow('[forced]') : '',
        r.gray ? color.cyan(`[gray ${r.gray.id}]`) : '',
        r.promotes ? color.cyan(`[promotes ${r.promotes}]`) : '',
        r.abandons ? color.cyan(`[abandons ${r.abandons}]`) : '',
        r.unchecked ? color.yellow('[unchecked]') : '',
      ]
        .filter(Boolean)
        .join(' ');
    ctx.out.result({ namespace, releases, ...(skipped.length > 0 ? { skipped } : {}) }, () =>
      releases.length === 0
        ? color.dim(`no releases in ${namespace}`)
        : table(
            releases.map((r) => [
              r.id.replace(/^0+/, ''),
              r.at.replace('T', ' ').slice(0, 19),
              r.author,
              String(r.changes.length),
              `${marks(r) ? `${marks(r)} ` : ''}${r.message}${r.rollbackOf ? ` (rolls back ${r.rollbackOf.replace(/^0+/, '')})` : ''}`,
            ]),
            ['RELEASE', 'AT', 'AUTHOR', 'CHANGES', 'MESSAGE'],
          ),
    );
    return 0;
  },
});
