import { abandonGray, advanceGray, type GrayReleaseState, pauseGray, promoteGray, resumeGray } from '@dials/core';
import type { Context } from '../../command.js';
import { color } from '../../output.js';
import type { RELEASE_OPTIONS } from '../../write.js';
import { printRelease } from '../../write.js';
import { stepLine } from './show.js';

type Control = 'promote' | 'abandon' | 'advance' | 'pause' | 'resume';
const STEPS = { advance: advanceGray, pause: pauseGray, resume: resumeGray } as const;

/** `dials gray promote|abandon|advance|pause|resume ID`. */
export async function controlGray(ctx: Context<typeof RELEASE_OPTIONS>, action: Control, namespace: string, id: string): Promise<number> {
  const source = await ctx.source();
  const { author, message } = ctx.values;
  if (action === 'promote') {
    const release = await promoteGray(source, namespace, id, { author, message, force: ctx.values.force === true });
    ctx.out.line(`${color.green('✓')} gray release ${id} promoted: its values are written for everyone, its overlay removed`);
    printRelease(ctx, release);
    return 0;
  }
  if (action === 'abandon') {
    const release = await abandonGray(source, namespace, id, { author, message });
    ctx.out.result(
      { abandoned: id, namespace, release: release.id },
      () =>
        `${color.green('✓')} gray release ${id} abandoned (release ${release.id.replace(/^0+/, '')}): every instance is back on the values of ${namespace}`,
    );
    return 0;
  }
  const state: GrayReleaseState = await STEPS[action](source, namespace, id);
  ctx.out.result({ ...state.release, step: state.step }, () => `${color.green('✓')} gray release ${id}: ${stepLine(state)}`);
  return 0;
}
