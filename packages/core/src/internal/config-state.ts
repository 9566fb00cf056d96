import type { ConfigChange } from '../dials-options.js';
import type { StandardSchemaV1 } from '../schema.js';
import type { KeyValue, RangeResult, RefusedKey, WatchBatch } from '../types.js';
import { decodePage, intern, type Layer, newLayer, type OverlayValue, replaceData } from './layer-data.js';
import { ValueRules, type ValueRulesOptions } from './value-rules.js';

export interface ConfigStateOptions extends ValueRulesOptions {
  /** The changes of one revision, applied: `values`, `revision` and `generation` are up to date. */
  readonly onChanges: (changes: ConfigChange[]) => void;
  /** The set of refused keys changed. */
  readonly onRefused?: () => void;
  /** A layer (not the overlay) applied a batch or a read: the highest revision the layers have applied. */
  readonly onLayers?: (revision: number) => void;
}

export type { OverlayValue };

/**
 * The values Dials serves, derived from the raw values of its layers: each path decoded and
 * validated against its schema, the highest layer winning, schema defaults for unset paths. A
 * value that fails its schema is reported and the last good one stays.
 */
export class ConfigState {
  /** Effective value per path: what `get()` reads. */
  readonly values: Map<string, unknown>;
  /** Decoding, validation, refusals and defaults of each path's effective raw value. */
  private readonly rules: ValueRules;
  /**
   * The source's revision: the highest that any layer last read or applied from it. A snapshot
   * file's revision stands in only until the first read, so a wiped and rebuilt cluster (or a
   * bogus file) never leaves Dials ahead of its source.
   */
  revision = 0;
  private readonly layerRevisions: (number | undefined)[];
  /** Bumped once per applied revision that changed something. */
  generation = 0;
  readonly counters = { resets: 0, batches: 0 };
  /** Keys whose value in the source is refused (invalid, or a required key deleted or never set), by path. */
  readonly refused: ReadonlyMap<string, RefusedKey>;
  private readonly loadedLayers = new Set<number>();

  /** The raw values of each prefix, from general to specific: a path in a later layer wins. */
  private readonly layers: readonly Layer[];
  /** Values above every layer, by path (see `applyOverlay`). */
  private overlay: ReadonlyMap<string, OverlayValue> = new Map();

  constructor(
    prefixes: readonly string[],
    private readonly options: ConfigStateOptions,
  ) {
    this.layers = prefixes.map(newLayer);
    // One more slot, for the overlay's revision.
    this.layerRevisions = [...prefixes, ''].map(() => undefined);
    this.rules = new ValueRules(options, (this.layers[this.layers.length - 1] as Layer).prefix);
    this.values = this.rules.values;
    this.refused = this.rules.refused;
  }

  /** Decode a page of the first read now, while etcd sends the next; `applyReset` uses what still matches. */
  decodeEarly(index: number, kvs: readonly KeyValue[], offset: number): void {
    decodePage(this.layers[index] as Layer, kvs, offset, (path) => this.schemaOf(path));
  }

  /** Put `range` in place of layer `index`'s values: the paths that changed, or undefined for a first load (applied here). */
  private replaceLayer(index: number, range: RangeResult): string[] | undefined {
    const layer = this.layers[index] as Layer;
    this.counters.resets++;
    this.loadedLayers.add(index);
    const replaced = replaceData(layer, range);
    // The first load: every path is new, nothing to diff, and each raw value is at hand.
    if (replaced.first) this.applyLoaded(layer, this.sourceRevision(index, range.revision), replaced.early);
    return replaced.touched;
  }

  /** The whole content of layer `index` at `range.revision`: apply what differs from what it had. */
  applyReset(index: number, range: RangeResult): void {
    const touched = this.replaceLayer(index, range);
    if (touched) this.recompute(touched, this.sourceRevision(index, range.revision), true);
    this.layersMoved();
  }

  /** Tell `onLayers` how far the layers (not the overlay) have applied. */
  private layersMoved(): void {
    if (!this.options.onLayers) return;
    let highest = 0;
    for (let i = 0; i < this.layers.length; i++) highest = Math.max(highest, this.layerRevisions[i] ?? 0);
    this.options.onLayers(highest);
  }

  /**
   * Several loaded layers re-read at once (a release held until its end): what differs in any of
   * them is applied and emitted together, as one change set.
   */
  applyResets(items: readonly { readonly index: number; readonly range: RangeResult }[]): void {
    const touched: string[] = [];
    let revision = this.revision;
    for (const { index, range } of items) {
      touched.push(...(this.replaceLayer(index, range) ?? []));
      revision = this.sourceRevision(index, range.revision);
    }
    this.recompute(touched, revision);
    this.layersMoved();
  }

  /** The changes of one revision in layer `index`. */
  applyBatch(index: number, batch: WatchBatch): void {
    const layer = this.layers[index] as Layer;
    this.counters.batches++;
    const touched: string[] = [];
    for (const event of batch.events) {
      const path = intern(event.key.slice(layer.prefix.length));
      if (event.type === 'put' && event.value !== undefined) layer.data.set(path, event.value);
      else layer.data.delete(path);
      if (event.binary && event.type === 'put') layer.binary.add(path);
      else layer.binary.delete(path);
      touched.push(path);
    }
    this.recompute(touched, this.sourceRevision(index, batch.revision));
    this.layersMoved();
  }

  /**
   * Replace the values that sit above every layer (the gray releases this instance is on), as of
   * the overlay's `revision`, and apply what that changes as one revision. They are decoded and
   * validated like any value and land in `values`, so reads cost the same with or without them.
   */
  applyOverlay(given: ReadonlyMap<string, OverlayValue>, revision: number): void {
    // Interned as the layers' paths are: a path only the overlay has is then found by identity too.
    const overlay = new Map<string, OverlayValue>();
    for (const [path, value] of given) overlay.set(intern(path), value);
    const touched = new Set<string>();
    const differs = (a: OverlayValue, b: OverlayValue | undefined) => a.raw !== b?.raw || a.binary !== b.binary;
    for (const [path, value] of this.overlay) if (differs(value, overlay.get(path))) touched.add(path);
    for (const [path, value] of overlay) if (differs(value, this.overlay.get(path))) touched.add(path);
    this.overlay = overlay;
    this.recompute([...touched], this.sourceRevision(this.layers.length, revision), true);
  }

  /** Note what layer `index` last saw of the source; the source's revision is the highest of the layers'. */
  private sourceRevision(index: number, revision: number): number {
    this.layerRevisions[index] = revision;
    let highest = 0;
    for (const r of this.layerRevisions) if (r !== undefined && r > highest) highest = r;
    return highest;
  }

  /** Load raw values kept elsewhere (the snapshot file), by prefix, as of `revision`. */
  restore(layers: Readonly<Record<string, Readonly<Record<string, string>>>>, revision: number): void {
    const paths = new Set<string>();
    for (const layer of this.layers) {
      for (const [path, raw] of Object.entries(layers[layer.prefix] ?? {})) {
        layer.data.set(path, raw);
        paths.add(path);
      }
    }
    this.recompute([...paths], this.layerRevisions.some((r) => r !== undefined) ? this.revision : revision, true);
  }

  /** The raw values of every layer by prefix, without the paths `omit` names (secrets stay out of files). */
  rawLayers(omit: (path: string, raw: string) => boolean): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const layer of this.layers) out[layer.prefix] = Object.fromEntries([...layer.data].filter(([path, raw]) => !omit(path, raw)));
    return out;
  }

  /** Re-derive the effective value of `paths` from the layers, then emit the changes together. */
  private recompute(paths: readonly string[], revision: number, unique = false): void {
    const changes: ConfigChange[] = [];
    for (const path of unique ? paths : new Set(paths)) {
      try {
        const change = this.recomputePath(path);
        if (change) changes.push(change);
      } catch (error) {
        this.rules.reportApplyError(path, error);
      }
    }
    this.emit(changes, revision);
  }

  /** A layer's first load: each of its paths takes its raw value, unless a layer above has the path. */
  private applyLoaded(layer: Layer, revision: number, early: Layer['early']): void {
    const above = this.layers.slice(this.layers.indexOf(layer) + 1).filter((l) => l.data.size > 0);
    const changes: ConfigChange[] = [];
    let i = 0;
    for (const [path, raw] of layer.data) {
      // Decoded early only if it was this very path and value (the map keeps the read's order).
      const decoded = early && i < early.paths.length && early.paths[i] === path && early.raws[i] === raw ? early.decoded[i] : undefined;
      i++;
      if ((above.length > 0 && above.some((l) => l.data.has(path))) || (this.overlay.size > 0 && this.overlay.has(path))) continue;
      try {
        const change = this.rules.applyRaw(path, raw, layer, decoded);
        if (change) changes.push(change);
      } catch (error) {
        this.rules.reportApplyError(path, error);
      }
    }
    this.emit(changes, revision);
  }

  /** Hand over the changes of one revision together: every value is in place before anyone hears of it. */
  private emit(changes: ConfigChange[], revision: number): void {
    this.revision = revision;
    if (this.loadedLayers.size === this.layers.length) this.rules.noteMissing();
    if (changes.length > 0) {
      this.generation++;
      this.options.onChanges(changes);
    }
    if (this.rules.takeRefusalsChanged()) this.options.onRefused?.();
  }

  /** The effective raw value of `path`: the overlay's, else the most specific layer's that has it. */
  private recomputePath(path: string): ConfigChange | undefined {
    const over = this.overlay.size > 0 ? this.overlay.get(path) : undefined;
    if (over) {
      const prefix = over.key.slice(0, over.key.length - path.length);
      return this.rules.applyRaw(path, over.raw, { prefix, binary: new Set(over.binary ? [path] : []) });
    }
    let raw: string | undefined;
    let layer: Layer | undefined;
    for (let i = this.layers.length - 1; i >= 0 && raw === undefined; i--) {
      layer = this.layers[i] as Layer;
      raw = layer.data.get(path);
    }
    if (raw === undefined || layer === undefined) return this.rules.applyUnset(path, this.loadedLayers.size === this.layers.length);
    return this.rules.applyRaw(path, raw, layer);
  }

  schemaOf(path: string): StandardSchemaV1 | undefined {
    return this.rules.schemaOf(path);
  }

  /** Schema defaults (`z.number().default(5)`) stand in for keys that are not set. */
  applyDefaults(): void {
    this.rules.applyDefaults();
  }
}
