/**
 * Values are handed to every request and every `get()`: one handler must not be able to change
 * them for the others. Plain data is deep-frozen; a Date or URL (what `z.coerce.date()` or a
 * transform to `URL` yields) becomes a copy whose mutators throw; anything else that freezing
 * cannot protect (a Map, a Set, a Buffer, a class instance) is refused with a message that says why.
 */

const DATE_SETTERS = Object.getOwnPropertyNames(Date.prototype).filter((name) => name.startsWith('set'));

function readOnly(what: string): never {
  throw new TypeError(`Dials config values are read-only: ${what} cannot be changed (copy it first)`);
}

/** A Date whose setters throw. */
class ReadOnlyDate extends Date {}
for (const name of DATE_SETTERS) {
  Object.defineProperty(ReadOnlyDate.prototype, name, { value: () => readOnly(`Date.${name}`), writable: false });
}

/** URLSearchParams whose mutators throw. */
class ReadOnlySearchParams extends URLSearchParams {}
for (const name of ['append', 'delete', 'set', 'sort']) {
  Object.defineProperty(ReadOnlySearchParams.prototype, name, { value: () => readOnly(`URLSearchParams.${name}`), writable: false });
}

/** A URL whose property setters throw, and whose `searchParams` are read-only too. */
class ReadOnlyURL extends URL {}
Object.defineProperty(ReadOnlyURL.prototype, 'searchParams', {
  get(this: URL) {
    return Object.freeze(new ReadOnlySearchParams(this.search));
  },
  configurable: true,
});
for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(URL.prototype))) {
  if (name === 'searchParams' || !descriptor.set || !descriptor.get) continue;
  const get = descriptor.get;
  Object.defineProperty(ReadOnlyURL.prototype, name, {
    get(this: URL) {
      return get.call(this);
    },
    set: () => readOnly(`URL.${name}`),
    configurable: true,
  });
}

/** Why `value` cannot be made immutable, or undefined when it can. */
function refusal(value: object): string | undefined {
  if (Array.isArray(value) || value instanceof Date || value instanceof URL) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return undefined;
  const kind = (proto as { constructor?: { name?: string } })?.constructor?.name ?? 'object';
  return `the schema's output holds a ${kind}, which freezing cannot make read-only (a handler could change it for every request): turn it into plain data (an object, an array, a string) in the schema`;
}

export class NotImmutableError extends Error {
  override readonly name = 'NotImmutableError';
}

/**
 * `value`, made immutable: plain objects and arrays frozen deeply (iteratively: a value nested
 * 100 000 levels deep cannot overflow the stack), Dates and URLs replaced by read-only copies.
 * Throws NotImmutableError for what cannot be made read-only.
 */
export function immutable<T>(value: T): T {
  const root = convert(value);
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    const why = refusal(item);
    if (why) throw new NotImmutableError(why);
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      const converted = convert(child);
      if (converted !== child) record[key] = converted;
      stack.push(converted);
    }
    Object.freeze(item);
  }
  return root as T;
}

function convert(value: unknown): unknown {
  if (value instanceof Date && !(value instanceof ReadOnlyDate)) return Object.freeze(new ReadOnlyDate(value.getTime()));
  if (value instanceof URL && !(value instanceof ReadOnlyURL)) return Object.freeze(new ReadOnlyURL(value.href));
  return value;
}
