/**
 * The Standard Schema interface (standardschema.dev), which zod (3.24+ and 4), valibot and arktype
 * implement: Dials validates through it, so any of them types and checks a value.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] };

export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The output type of a schema: `z.infer` for zod. */
export type InferOutput<TSchema> = TSchema extends StandardSchemaV1<unknown, infer O> ? O : unknown;

/** A schema per config path: `{ 'database/port': z.coerce.number() }`. */
export type SchemaMap = Readonly<Record<string, StandardSchemaV1>>;

/** The value type of `path` under `TSchema`, `unknown` for a path without a schema. */
export type ValueAt<TSchema extends SchemaMap, TPath extends string> = TPath extends keyof TSchema ? InferOutput<TSchema[TPath]> : unknown;

type PathToObject<TPath extends string, TValue> = TPath extends `${infer Head}/${infer Rest}`
  ? { readonly [K in Head]: PathToObject<Rest, TValue> }
  : { readonly [K in TPath]: TValue };

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * The nested object view of a schema map: `{ 'database/port': z.number() }` gives
 * `{ database: { port: number } }`. Paths without a schema are there too, as `unknown`.
 */
export type ConfigOf<TSchema extends SchemaMap> = (string extends keyof TSchema
  ? unknown
  : UnionToIntersection<
      { [K in keyof TSchema & string]: PathToObject<K, InferOutput<TSchema[K]> | undefined> }[keyof TSchema & string]
    >) & {
  readonly [key: string]: unknown;
};
