import { fleetStatus, type GrayReleaseState, getGray, labelsMatch, listGray, namespaceOf } from '@dials/core';
import { shown } from '../../args.js';
import type { Context } from '../../command.js';
import { durationText, labelText, stepsText } from '../../gray-options.js';
import { color, stderrLine, table } from '../../output.js';

/** Where a release's steps stand: `50% (step 2 of 3)`, paused or not, and when the next step comes. */
export function stepLine(state: GrayReleaseState): string {
  const { release, step } = state;
  const of = release.steps ? ` (step ${step.index + 1} of ${release.steps.length})` : '';
  const next =
    step.nextAt === undefined ? '' : `, next in ${durationText(Math.max(0, Math.round((step.nextAt - Date.now()) / 1000)) * 1000)}`;
  return `${step.percent}%${of}${release.paused ? color.yellow(' paused') : ''}${release.state === 'promoting' ? color.yellow(' promoting') : ''}${next}`;
}

/** A release as the JSON output gives it: the header, where its steps are, its record's id and how many keys it sets. */
function summary(state: GrayReleaseState) {
  return { ...state.release, step: state.step, release: String(state.createRevision), keys: state.values.length };
}

/** `dials gray ls [NAMESPACE]`: the gray releases of a namespace, or of every namespace. */
export async function listGrayReleases(ctx: Context, given: string | undefined): Promise<number> {
  const source = await ctx.source();
  const onSkipped = (key: string, reason: string) => stderrLine(`${color.yellow('skipped:')} ${key}: ${reason}`);
  const states = await listGray(source, given === undefined ? undefined : namespaceOf(given), { onSkipped });
  ctx.out.result({ gray: states.map(summary) }, () =>
    states.length === 0
      ? color.dim(`no gray releases${given === undefined ? '' : ` in ${namespaceOf(given)}`}`)
      : table(
          states.map((s) => [
            s.release.id,
            s.release.namespace,
            labelText(s.release.labels),
            stepLine(s),
            String(s.values.length),
            s.release.author,
            s.release.startedAt.replace('T', ' ').slice(0, 19),
            s.release.message,
          ]),
          ['ID', 'NAMESPACE', 'LABELS', 'NOW ON', 'KEYS', 'AUTHOR', 'STARTED', 'MESSAGE'],
        ),
  );
  return 0;
}

/** `dials gray show ID`: its header, steps, values (secrets redacted) and the instances on it, from their reports. */
export async function showGrayRelease(ctx: Context, namespace: string, id: string): Promise<number> {
  const source = await ctx.source();
  const [state, fleet] = await Promise.all([getGray(source, namespace, id), fleetStatus(source, namespace)]);
  const { release } = state;
  const values = state.values.map((v) => ({ key: v.key, value: shown(ctx, v.key, v.value, v.binary) as string }));
  const on = fleet.instances.filter((i) => (i.gray ?? []).includes(id)).map((i) => i.id);
  // Selected by their labels but not (yet) on it: outside the current step, or not caught up.
  const waiting = fleet.instances.filter((i) => labelsMatch(release.labels, i.labels ?? {}) && !on.includes(i.id)).map((i) => i.id);
  ctx.out.result({ ...summary(state), values, instances: { on, waiting } }, () =>
    [
      `${color.bold(release.id)} in ${release.namespace}: ${release.message || color.dim('(no message)')}`,
      `  labels   ${labelText(release.labels)}`,
      `  steps    ${stepsText(release.steps, release.stepMs)}`,
      `  reaches  ${stepLine(state)} (a share of the instances with those labels)`,
      `  started  ${release.startedAt.replace('T', ' ').slice(0, 19)} by ${release.author} (release ${state.createRevision})`,
      '',
      ...values.map((v) => `  ${v.key} = ${v.value}`),
      '',
      `${color.green(`on it (${on.length})`)}: ${on.join(', ') || color.dim('none')}`,
      `${color.yellow(`labels match, not on it (${waiting.length})`)}: ${waiting.join(', ') || color.dim('none')}`,
    ].join('\n'),
  );
  return 0;
}
