import { type KeyChange, namespaceOf, publishKeys, type Release } from '@dials/core';
import { shownRelease } from './args.js';
import type { Context, OptionTable } from './command.js';
import { color, progress, stderrLine } from './output.js';

/** What every writing command records in its release. */
export const RELEASE_OPTIONS = {
  message: { type: 'string', short: 'm', arg: 'TEXT', help: 'the release message' },
  author: { type: 'string', arg: 'NAME', help: 'the release author (default DIALS_AUTHOR, else the OS user)' },
  namespace: {
    type: 'string',
    arg: 'NAMESPACE',
    help: "where the release is recorded (default the key's first three segments, e.g. config/shop/dev)",
  },
  force: { type: 'boolean', help: "write even what a running app's registered schema refuses (the release records it)" },
} as const satisfies OptionTable;

type ReleaseContext = Context<typeof RELEASE_OPTIONS>;

/** `/config/shop/dev/database/host` → `config/shop/dev`: releases of a key go to its app and environment. */
export function namespaceFor(ctx: ReleaseContext, key: string): string {
  const given = ctx.values.namespace;
  return given !== undefined ? namespaceOf(given) : namespaceOf(key.split('/').filter(Boolean).slice(0, 3).join('/'));
}

export function describeRelease(release: Release): string {
  return `release ${release.id} (revision ${release.revision}, ${release.changes.length} change${release.changes.length === 1 ? '' : 's'}) in ${release.namespace}`;
}

/** Publish `changes` as one release (batched, with a progress bar on a terminal for big ones) and print it. */
export async function write(
  ctx: ReleaseContext,
  changes: KeyChange[],
  namespace: string,
  extra: { ttlMs?: number; expectRevision?: number; guardPrefix?: string } = {},
): Promise<void> {
  const bar = changes.length > 128 ? progress(changes.length) : () => {};
  const release = await publishKeys(await ctx.source(), changes, {
    message: ctx.values.message,
    author: ctx.values.author,
    namespace,
    onProgress: (done) => bar(done),
    force: ctx.values.force === true,
    ...extra,
  });
  printRelease(ctx, release);
}

/** A release as the writing commands print it; one that changed nothing (core records none) says so. */
export function printRelease(ctx: Context, release: Release): void {
  if (release.changes.length === 0) {
    ctx.out.result({ release: null, changed: false }, () =>
      color.dim('nothing to change: every key already holds that (no release recorded)'),
    );
    return;
  }
  const forced = release.forced
    ? `\n${color.yellow('forced past:')} ${release.forced.refused.map((r) => `${r.key} (${r.apps.join(', ')}: ${r.message})`).join('; ')}`
    : '';
  ctx.out.result({ release: shownRelease(ctx, release), changed: true }, () => `${color.green('✓')} ${describeRelease(release)}${forced}`);
  if (release.unchecked) {
    const where = release.unchecked.map((n) => `/dials/schemas/${n}/`).join(', ');
    stderrLine(
      `${color.yellow('warning:')} not checked against the apps' schemas: this etcd user may not read ${where} (grant it: dials rbac)`,
    );
  }
}
