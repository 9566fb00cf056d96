import type { StandardSchemaV1 } from '../schema.js';
import type { KeyValue, RangeResult } from '../types.js';
import { type Decoded, decodeValue } from './decode.js';

/** One prefix's raw values, by path relative to the prefix. */
export interface Layer {
  readonly prefix: string;
  data: Map<string, string>;
  /** Paths whose raw value is not UTF-8 text (its bytes, one per character): refused, never decoded. */
  binary: Set<string>;
  /** Pages of the first read decoded while later pages were on their way (see `PrefixListener.page`), in key order. */
  early: { readonly paths: string[]; readonly raws: string[]; readonly decoded: Decoded[] } | undefined;
}

/** A value above every layer (a gray release's), and the key it was read from, for messages. */
export interface OverlayValue {
  readonly raw: string;
  readonly key: string;
  readonly binary?: boolean;
}

export function newLayer(prefix: string): Layer {
  return { prefix, data: new Map(), binary: new Set(), early: undefined };
}

/** Decode a page of a layer's first read while the next is on its way; what still matches is used when the read is whole. */
export function decodePage(
  layer: Layer,
  kvs: readonly KeyValue[],
  offset: number,
  schemaOf: (path: string) => StandardSchemaV1 | undefined,
): void {
  if (layer.data.size > 0) return;
  // Offset 0 starts a read (the previous one may have failed part-way); a page that does not
  // follow on from the pages before it ends early decoding for this read.
  if (offset === 0) layer.early = { paths: [], raws: [], decoded: [] };
  else if (layer.early?.paths.length !== offset) layer.early = undefined;
  if (!layer.early) return;
  const { paths, raws, decoded } = layer.early;
  for (const kv of kvs) {
    const path = intern(kv.key.slice(layer.prefix.length));
    paths.push(path);
    raws.push(kv.value);
    decoded.push(decodeValue(kv.value, schemaOf(path)));
  }
}

/**
 * Put `range` in place of the layer's values. On the first load (`first`) every path is new and
 * the pages decoded early come back to be used; otherwise `touched` lists the paths that changed.
 */
export function replaceData(
  layer: Layer,
  range: RangeResult,
): { first: true; early: Layer['early']; touched: undefined } | { first: false; early: undefined; touched: string[] } {
  const early = layer.data.size === 0 ? layer.early : undefined;
  layer.early = undefined;
  const next = new Map<string, string>();
  const binary = new Set<string>();
  const kvs = range.kvs;
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i] as KeyValue;
    const known = early && i < early.paths.length && early.raws[i] === kv.value ? (early.paths[i] as string) : undefined;
    const path = known ?? intern(kv.key.slice(layer.prefix.length));
    next.set(path, kv.value);
    if (kv.binary) binary.add(path);
  }
  const wasBinary = layer.binary;
  layer.binary = binary;
  if (layer.data.size === 0) {
    layer.data = next;
    return { first: true, early, touched: undefined };
  }
  const touched: string[] = [];
  for (const path of layer.data.keys()) if (!next.has(path)) touched.push(path);
  for (const [path, raw] of next) if (layer.data.get(path) !== raw || binary.has(path) !== wasBinary.has(path)) touched.push(path);
  layer.data = next;
  return { first: false, early: undefined, touched };
}

/**
 * The canonical (internalized) copy of a string, so that `get('database/port')` with a literal
 * finds its key by identity. Why this shape, measured: docs/benchmarks.md ("dials.get", "Start-up").
 */
export function intern(text: string): string {
  const holder = Object.create(null) as Record<string, 0>;
  holder[text] = 0;
  for (const key in holder) return key;
  return text;
}
