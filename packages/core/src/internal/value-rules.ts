import type { ConfigChange } from '../dials-options.js';
import { DialsError, messageOf } from '../errors.js';
import type { SchemaMap, StandardSchemaV1 } from '../schema.js';
import type { RefusedKey } from '../types.js';
import { isUnsafePath } from './config-tree.js';
import { type Decoded, decodeValue } from './decode.js';
import type { Layer } from './layer-data.js';
import { deletedRequired, invalidValue } from './refusals.js';
import { defaultOf, requiredPaths, schemaOf } from './schema-rules.js';

export interface ValueRulesOptions {
  readonly schema: SchemaMap;
  readonly secrets: readonly (string | RegExp)[];
  /** A value refused, a path that could not be applied: reported, the last good value stays. */
  readonly report: (error: DialsError) => void;
}

/**
 * What becomes of a path's effective raw value: decoded and validated against its schema, a
 * refused value reported while the last good one stays, a required path kept, defaults for unset
 * paths. `ConfigState` decides which layer's raw value is effective; this applies it.
 */
export class ValueRules {
  /** Effective value per path: what `get()` reads. */
  readonly values = new Map<string, unknown>();
  /** The raw value each path's effective value was decoded from. */
  private readonly appliedRaw = new Map<string, string>();
  /** Keys whose value in the source is refused (invalid, or a required key deleted or never set), by path. */
  readonly refused = new Map<string, RefusedKey>();
  /** Paths whose schema accepts no `undefined`: neither optional nor with a default. */
  private readonly required: ReadonlySet<string>;
  private refusalsChanged = false;

  /** `keyPrefix` (the most specific layer's prefix) names the key a missing or deleted path is reported under. */
  constructor(
    private readonly options: ValueRulesOptions,
    private readonly keyPrefix: string,
  ) {
    this.required = requiredPaths(options.schema);
  }

  /** Whether `refused` changed since the last call. */
  takeRefusalsChanged(): boolean {
    const changed = this.refusalsChanged;
    this.refusalsChanged = false;
    return changed;
  }

  /** Once every layer is loaded: a required path with no value is `missing`. */
  noteMissing(): void {
    for (const path of this.required) {
      if (this.values.has(path) || this.refused.has(path)) continue;
      const key = this.keyPrefix + path;
      this.refuse({ path, key, reason: 'missing', message: 'required by the schema, and not set', kept: false });
    }
  }

  /** One key must never cost the others their revision: report it and go on. */
  reportApplyError(path: string, error: unknown): void {
    const kept = this.appliedRaw.has(path) ? 'it keeps its last good value' : 'it stays unset';
    this.options.report(
      new DialsError('APPLY_FAILED', `Applying config path ${path} failed: ${messageOf(error)}; ${kept}.`, {
        key: path,
        cause: error,
      }),
    );
  }

  private refuse(refusal: RefusedKey): void {
    this.refused.set(refusal.path, refusal);
    this.refusalsChanged = true;
  }

  private accept(path: string): void {
    if (this.refused.delete(path)) this.refusalsChanged = true;
  }

  /** No layer has `path`: it falls back to its default or goes, unless the schema requires it. `loaded`: every layer is. */
  applyUnset(path: string, loaded: boolean): ConfigChange | undefined {
    if (this.required.has(path)) return this.refuseDelete(path, loaded);
    this.accept(path);
    if (!this.appliedRaw.has(path)) return undefined;
    const previous = this.values.get(path);
    this.appliedRaw.delete(path);
    const fallback = defaultOf(this.options.schema, path);
    if (fallback === undefined) this.values.delete(path);
    else this.values.set(path, fallback);
    return { path, type: 'delete', value: fallback, previous };
  }

  /** A key the schema requires (no default, not optional) went: refused like a bad value, the last good value stays. */
  private refuseDelete(path: string, loaded: boolean): undefined {
    const key = this.keyPrefix + path;
    if (!this.appliedRaw.has(path)) {
      if (loaded) this.refuse({ path, key, reason: 'missing', message: 'required by the schema, and not set', kept: false });
      return undefined;
    }
    if (this.refused.get(path)?.reason === 'deleted') return undefined;
    const { refusal, error } = deletedRequired(path, key, this.appliedRaw.get(path) as string, this.options.secrets);
    this.refuse(refusal);
    this.options.report(error);
    return undefined;
  }

  /** Decode and validate `raw`, the effective raw value of `path` (from `layer`), and apply it. */
  applyRaw(path: string, raw: string, layer: Pick<Layer, 'prefix' | 'binary'>, early?: Decoded): ConfigChange | undefined {
    if (this.appliedRaw.get(path) === raw) {
      this.accept(path);
      return undefined;
    }
    const previous = this.values.get(path);
    const decoded: Decoded = layer.binary.has(path)
      ? { ok: false, issues: [{ path: [], message: 'the value is not UTF-8 text' }] }
      : (early ?? decodeValue(raw, this.schemaOf(path)));
    if (!decoded.ok) {
      const { refusal, error } = invalidValue(
        path,
        layer.prefix + path,
        raw,
        decoded.issues,
        this.appliedRaw.get(path),
        this.options.secrets,
      );
      this.options.report(error);
      this.refuse(refusal);
      return undefined;
    }
    if (isUnsafePath(path)) {
      this.options.report(
        new DialsError(
          'UNSAFE_KEY',
          `Config path ${layer.prefix + path} has a segment (__proto__, constructor or prototype) that is left out of config$; get('${path}') still reads it.`,
          { key: layer.prefix + path },
        ),
      );
    }
    this.accept(path);
    this.appliedRaw.set(path, raw);
    this.values.set(path, decoded.value);
    return { path, type: 'put', value: decoded.value, previous };
  }

  schemaOf(path: string): StandardSchemaV1 | undefined {
    return schemaOf(this.options.schema, path);
  }

  /** Schema defaults (`z.number().default(5)`) stand in for keys that are not set. */
  applyDefaults(): void {
    for (const path of Object.keys(this.options.schema)) {
      const fallback = defaultOf(this.options.schema, path);
      if (fallback !== undefined) this.values.set(path, fallback);
    }
  }
}
