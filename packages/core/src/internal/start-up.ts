import type { BehaviorSubject } from 'rxjs';
import type { GrayOverlay } from '../delivery/gray-overlay.js';
import { asDialsError, DialsError } from '../errors.js';
import type { FleetMember } from '../fleet/fleet-member.js';
import type { DialsStatus, Source } from '../types.js';
import type { ConfigState } from './config-state.js';
import type { LayerSet } from './layer-set.js';
import { restoreSnapshot } from './snapshot-file.js';

/** What a Dials instance hands its start-up: its parts, and how to say it failed or can be cut short. */
export interface StartUp {
  readonly source: Source;
  readonly prefixes: readonly string[];
  readonly snapshotFile: string | undefined;
  readonly state: ConfigState;
  readonly layers: LayerSet;
  readonly gray: GrayOverlay | undefined;
  readonly fleet: FleetMember | undefined;
  readonly status: BehaviorSubject<DialsStatus>;
  report(error: DialsError): void;
  /** Start-up failed for good: `ready()` and later calls throw this. */
  fail(error: DialsError): void;
  /** `close()` during start-up calls `abort`, so `ready()` does not wait forever. */
  onClose(abort: () => void): void;
}

/**
 * Restore the snapshot file (if any), connect, and load every prefix and the gray releases before
 * `ready()` resolves. With a restored snapshot, a source that is down is reported and served
 * `stale` (the watches retry); without one, or on a wrong password or CA, start-up fails.
 */
export async function startUp(s: StartUp): Promise<void> {
  const restored = s.snapshotFile !== undefined && (await restoreSnapshot(s.snapshotFile, s.prefixes, s.state, s.report));
  try {
    await s.source.connect();
  } catch (error) {
    const dialsError = asDialsError(error, 'UNAVAILABLE', { endpoint: s.source.description });
    if (!restored || dialsError.code === 'AUTH_FAILED' || dialsError.code === 'TLS') {
      s.fail(dialsError);
      throw dialsError;
    }
    // Serve the last known good values and catch up when the source comes back: the watches retry.
    s.report(dialsError);
    s.status.next('stale');
  }
  if (s.status.value === 'closed') return;
  // The gray releases are read before ready() too: an instance that starts mid-release serves their values from the start.
  const loaded = Promise.all([s.layers.open(restored), s.gray?.open(restored)]).then(() => undefined);
  // Report once loaded: a write before the watches are live would leave them catching up.
  if (restored) s.fleet?.start();
  else
    loaded.then(
      () => s.fleet?.start(),
      () => undefined,
    );
  if (restored) {
    loaded.catch(() => undefined); // the watches retry; their errors are on errors$
    return;
  }
  // close() during start-up ends the wait rather than leaving ready() pending forever.
  const closed = new Promise<never>((_, reject) => {
    s.onClose(() => reject(new DialsError('CLOSED', `Closed before ${s.prefixes.join(', ')} finished loading`)));
  });
  await Promise.race([loaded, closed]);
}
