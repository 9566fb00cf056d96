import { GrayOverlay } from '../delivery/gray-overlay.js';
import type { ConfigChange, DialsOptions } from '../dials-options.js';
import type { DialsError } from '../errors.js';
import { FleetMember } from '../fleet/fleet-member.js';
import type { SchemaMap } from '../schema.js';
import { DEFAULT_SECRETS, holdsSecret } from '../secrets.js';
import type { DialsStatus, Source } from '../types.js';
import { ConfigState } from './config-state.js';
import { FetchCache } from './fetch-cache.js';
import { LayerSet } from './layer-set.js';
import { SnapshotWriter } from './snapshot-file.js';

/** Where a Dials instance's parts send what they have to say. */
export interface DialsHooks {
  report(error: DialsError): void;
  /** The changes of one revision, applied. */
  notify(changes: ConfigChange[]): void;
  /** The set of refused keys changed. */
  refusedChanged(): void;
  /** What the layers' watches say. */
  layerStatus(status: DialsStatus): void;
  /** The instance's status, for its fleet report. */
  status(): DialsStatus;
}

export interface DialsParts {
  readonly fetchCache: FetchCache;
  /** The effective value of every path, derived from the layers' raw values. */
  readonly state: ConfigState;
  readonly layers: LayerSet;
  readonly writer: SnapshotWriter | undefined;
  /** This instance's report and schema in the fleet, when reporting is on. */
  readonly fleet: FleetMember | undefined;
  /** The gray releases that select this instance, applied above its prefixes, when it follows them. */
  readonly gray: GrayOverlay | undefined;
}

/**
 * Make a Dials instance's parts from its options and wire them to each other: the gray overlay
 * applies into the state, the fleet report reads the state and the gray releases.
 */
export function dialsParts(source: Source, prefixes: readonly string[], options: DialsOptions<SchemaMap>, hooks: DialsHooks): DialsParts {
  const cacheTtlMs = options.cacheTtlMs ?? 300_000;
  const report = (error: DialsError) => hooks.report(error);
  const fetchCache = new FetchCache(source, cacheTtlMs, report);
  const secrets = options.secrets ?? DEFAULT_SECRETS;
  // Made below; the state asks for it only once layers apply, after start-up.
  let gray: GrayOverlay | undefined;
  const state = new ConfigState(prefixes, {
    schema: options.schema ?? {},
    secrets,
    report,
    onChanges: (c) => hooks.notify(c),
    onRefused: () => hooks.refusedChanged(),
    onLayers: (revision) => gray?.layersAt(revision),
  });
  state.applyDefaults();
  const layers = new LayerSet(
    source,
    prefixes,
    state,
    cacheTtlMs,
    { report, status: (status) => hooks.layerStatus(status) },
    options.holdReleases === false ? false : options.holdReleases === 'strict' ? 'strict' : 'ordered',
  );
  // Secrets stay in memory: a file on disk is easier to leak than etcd.
  const writer =
    options.snapshotFile === undefined
      ? undefined
      : new SnapshotWriter(options.snapshotFile, source.description, state, (path, raw) => holdsSecret(path, raw, secrets), report);
  const fleet = FleetMember.create(source, options, prefixes, report);
  gray = GrayOverlay.create(source, options, prefixes, {
    apply: (values, revision) => state.applyOverlay(values, revision),
    report,
    changed: () => fleet?.changed(),
  });
  if (fleet)
    fleet.state = () => ({
      revision: state.revision,
      status: hooks.status(),
      refused: [...state.refused.values()],
      gray: gray?.active ?? [],
    });
  return { fetchCache, state, layers, writer, fleet, gray };
}
