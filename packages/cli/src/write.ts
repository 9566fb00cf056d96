import { type GrayOptions, grayRelease, isUnsafePath, type KeyChange, namespaceOf, publishKeys, type Release } from '@dials/core';
import { shownRelease } from './args.js';
import type { Context, OptionTable } from './command.js';
import { labelText, stepsText } from './gray-options.js';
import { color, progress, stderrLine } from './output.js';
import { draftInstead, needsApproval } from './requests.js';

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
  const { gray } = release;
  if (gray)
    return `gray release ${gray.id} (release ${release.id.replace(/^0+/, '')}, ${release.changes.length} change${release.changes.length === 1 ? '' : 's'}) in ${release.namespace} for instances labelled ${labelText(gray.labels)}, ${stepsText(gray.steps, gray.stepMs)}`;
  return `release ${release.id} (revision ${release.revision}, ${release.changes.length} change${release.changes.length === 1 ? '' : 's'}) in ${release.namespace}`;
}

/**
 * Publish `changes` as one release (batched, with a progress bar on a terminal for big ones) and print it;
 * in a namespace whose policy requires approval, draft a change request of them instead.
 */
export async function write(
  ctx: ReleaseContext,
  changes: KeyChange[],
  namespace: string,
  extra: { ttlMs?: number; expectRevision?: number; guardPrefix?: string; gray?: GrayOptions } = {},
): Promise<void> {
  const { message, author } = ctx.values;
  const force = ctx.values.force === true;
  warnUnsafe(changes);
  if (extra.gray) {
    printRelease(ctx, await grayRelease(await ctx.source(), changes, { gray: extra.gray, namespace, message, author, force }));
    return;
  }
  const bar = changes.length > 128 ? progress(changes.length) : () => {};
  let release: Release;
  try {
    release = await publishKeys(await ctx.source(), changes, {
      message: ctx.values.message,
      author: ctx.values.author,
      namespace,
      onProgress: (done) => bar(done),
      force: ctx.values.force === true,
      ...extra,
    });
  } catch (error) {
    // The namespace requires review: the write becomes a draft change request (exit 0).
    if (needsApproval(error)) return draftInstead(ctx, changes, namespace, { ttlMs: extra.ttlMs });
    throw error;
  }
  printRelease(ctx, release);
}

/** etcd takes any key, but apps leave a path that could reach an object's prototype out of `config`: say so before writing one. */
function warnUnsafe(changes: readonly KeyChange[]): void {
  const unsafe = changes.filter((c) => c.after !== undefined && isUnsafePath(c.key)).map((c) => c.key);
  if (unsafe.length === 0) return;
  const shown = unsafe.length > 5 ? `${unsafe.slice(0, 5).join(', ')} and ${unsafe.length - 5} more` : unsafe.join(', ');
  stderrLine(
    `${color.yellow('warning:')} ${shown}: a __proto__, constructor or prototype segment; apps leave ${unsafe.length === 1 ? 'it' : 'them'} out of config (get() still reads ${unsafe.length === 1 ? 'it' : 'them'})`,
  );
}

/** A release as the writing commands print it; one that changed nothing (core records none) says so. `extra` joins the JSON. */
export function printRelease(ctx: Context, release: Release, extra: Record<string, unknown> = {}): void {
  if (release.changes.length === 0) {
    ctx.out.result({ release: null, changed: false }, () =>
      color.dim('nothing to change: every key already holds that (no release recorded)'),
    );
    return;
  }
  const forced = release.forced
    ? `\n${color.yellow('forced past:')} ${release.forced.refused.map((r) => `${r.key} (${r.apps.join(', ')}: ${r.message})`).join('; ')}`
    : '';
  const request = release.changeRequest
    ? `: applying change request ${release.changeRequest}, approved by ${(release.approvers ?? []).join(', ')}`
    : '';
  const next = release.gray
    ? `\n${color.dim(`See who is on it: dials gray show ${release.gray.id} --namespace ${release.namespace}; then promote or abandon it.`)}`
    : '';
  ctx.out.result(
    { release: shownRelease(ctx, release), changed: true, ...extra },
    () => `${color.green('✓')} ${describeRelease(release)}${request}${forced}${next}`,
  );
  if (release.unchecked) {
    const where = release.unchecked.map((n) => `/dials/schemas/${n}/`).join(', ');
    stderrLine(
      `${color.yellow('warning:')} not checked against the apps' schemas: this etcd user may not read ${where} (grant it: dials rbac)`,
    );
  }
}
