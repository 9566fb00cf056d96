import type { LiveState } from './useLive.ts';

const words: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

/** Whether the view follows changes right now. */
export function LiveBadge({ state }: { state: LiveState }) {
  return (
    <output className={`live ${state}`} aria-label="Live updates">
      {words[state]}
    </output>
  );
}
