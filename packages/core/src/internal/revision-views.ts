import type { DialsSnapshot } from '../dials-options.js';
import type { ConfigState } from './config-state.js';
import { buildConfigTree } from './config-tree.js';

/** The frozen snapshot and nested config of the current revision: each built on first read, then the same object until the next change. */
export class RevisionViews {
  private snapshotCache: { generation: number; snapshot: DialsSnapshot } | undefined;
  private configCache: { generation: number; config: unknown } | undefined;

  constructor(private readonly state: ConfigState) {}

  get snapshot(): DialsSnapshot {
    if (this.snapshotCache?.generation !== this.state.generation) {
      const values: Record<string, unknown> = Object.create(null);
      for (const [path, value] of this.state.values) values[path] = value;
      const snapshot = Object.freeze({ revision: this.state.revision, values: Object.freeze(values) });
      this.snapshotCache = { generation: this.state.generation, snapshot };
    }
    return this.snapshotCache.snapshot;
  }

  get config(): unknown {
    if (this.configCache?.generation !== this.state.generation) {
      this.configCache = { generation: this.state.generation, config: buildConfigTree(this.state.values) };
    }
    return this.configCache.config;
  }
}
