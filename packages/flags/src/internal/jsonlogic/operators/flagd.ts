import semver from 'semver';
import { murmur3 } from '../../murmur3.js';
import { constant } from '../runtime.js';
import type { Expr, Operation, Operator, OperatorTable } from '../types.js';

const MAX_WEIGHT = 2147483647;
const TWO_POW_32 = 4294967296;

interface Bucketing {
  readonly variants: readonly unknown[];
  readonly weights: readonly number[];
  readonly total: number;
}

/** flagd's bucket list: `[variant, weight?]` entries, integer weights (default 1, negatives as 0). */
function toBucketing(entries: readonly unknown[]): Bucketing | null {
  const variants: unknown[] = [];
  const weights: number[] = [];
  let total = 0;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return null;
    const variant = entry[0];
    if (
      variant !== null &&
      variant !== undefined &&
      typeof variant !== 'string' &&
      typeof variant !== 'number' &&
      typeof variant !== 'boolean'
    )
      return null;
    let weight = 1;
    if (entry.length === 2) {
      const w = entry[1];
      if (typeof w !== 'number' || !Number.isInteger(w)) return null;
      weight = Math.max(0, w);
    }
    variants.push(variant ?? null);
    weights.push(weight);
    total += weight;
  }
  return total > MAX_WEIGHT ? null : { variants, weights, total };
}

/** (hash × total) >> 32 for totals whose product with a 32-bit hash no longer fits in 53 bits. */
function wideBucket(hash: number, total: number): number {
  return Number((BigInt(hash) * BigInt(total)) >> 32n);
}

function pick(bucketing: Bucketing, bucketBy: string): unknown {
  const hash = murmur3(bucketBy);
  // (hash × total) >> 32, exactly: with doubles while the product fits in 53 bits, else BigInt
  // (in a function of its own, so this hot one stays small).
  const bucket = bucketing.total <= 2097152 ? Math.floor((hash * bucketing.total) / TWO_POW_32) : wideBucket(hash, bucketing.total);
  let sum = 0;
  for (let i = 0; i < bucketing.weights.length; i++) {
    sum += bucketing.weights[i] as number;
    if (sum > bucket) return bucketing.variants[i];
  }
  return null;
}

function isLiteral(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Array.isArray(value) && value.every(isLiteral);
}

/**
 * `fractional`: deterministic percentage rollout. Buckets by `$flagd.flagKey + targetingKey`
 * unless the first argument evaluates to a string. Literal bucket lists are prepared once.
 */
function fractional(raw: readonly unknown[], parts: readonly Expr[], flagKey: string, top: boolean): Expr {
  // Only the flag's own context carries `$flagd`; inside map/filter/... flagd finds none.
  if (!top || parts.length === 0) return () => null;
  const first = raw[0];
  const firstIsExpression = first !== null && typeof first === 'object' && !Array.isArray(first);
  const literalBuckets = raw.slice(typeof first === 'string' || firstIsExpression ? 1 : 0);
  // Literal buckets (the usual `[["on", 50], ["off", 50]]`) are prepared once, here.
  if (!firstIsExpression && literalBuckets.every(isLiteral)) {
    const bucketing = toBucketing(literalBuckets);
    if (typeof raw[0] === 'string') {
      const bucketBy = raw[0];
      return () => (bucketing ? pick(bucketing, bucketBy) : null);
    }
    return (data) => {
      const targetingKey = (data as Record<string, unknown> | null | undefined)?.targetingKey;
      if (!targetingKey || !bucketing) return null;
      return pick(bucketing, `${flagKey}${targetingKey}`);
    };
  }
  return (data) => {
    const args = parts.map((p) => p(data));
    let bucketBy: string;
    let entries: unknown[];
    if (typeof args[0] === 'string') {
      bucketBy = args[0];
      entries = args.slice(1);
    } else {
      const targetingKey = (data as Record<string, unknown> | null | undefined)?.targetingKey;
      if (!targetingKey) return null;
      bucketBy = `${flagKey}${targetingKey}`;
      entries = args;
    }
    const bucketing = toBucketing(entries);
    return bucketing ? pick(bucketing, bucketBy) : null;
  };
}

/** flagd's lenient version parse: a leading v, and partial versions like `1` or `1.2`. */
function normalizeVersion(raw: unknown): semver.SemVer | null {
  const str = String(raw).replace(/^[vV]/, '');
  const strict = semver.parse(str);
  if (strict) return strict;
  if (/^\d+(\.\d+)?$/.test(str)) return semver.coerce(str);
  return null;
}

function compareVersions(a: semver.SemVer | null, operator: unknown, b: semver.SemVer | null): boolean | null {
  if (!a || !b) return null;
  const result = semver.compare(a, b);
  switch (String(operator)) {
    case '=':
      return result === 0;
    case '!=':
      return result !== 0;
    case '<':
      return result < 0;
    case '<=':
      return result <= 0;
    case '>=':
      return result >= 0;
    case '>':
      return result > 0;
    case '^':
      return a.major === b.major;
    case '~':
      return a.major === b.major && a.minor === b.minor;
    default:
      return null;
  }
}

/** `sem_ver`: `[version, operator, version]`; a literal right-hand version is parsed once. */
function semVer(raw: readonly unknown[], parts: readonly Expr[]): Expr {
  if (parts.length !== 3) return () => null;
  const [left, operator, right] = parts as [Expr, Expr, Expr];
  if (isLiteral(raw[2]) && isLiteral(raw[1])) {
    const fixed = normalizeVersion(raw[2]);
    const op = raw[1];
    return (data) => compareVersions(normalizeVersion(left(data)), op, fixed);
  }
  return (data) => compareVersions(normalizeVersion(left(data)), operator(data), normalizeVersion(right(data)));
}

/** `starts_with` / `ends_with`: two strings, else null. */
function startsOrEndsWith(op: 'starts_with' | 'ends_with', parts: readonly Expr[], raw: readonly unknown[] = []): Expr {
  if (parts.length !== 2) return () => null;
  const [text, affix] = parts as [Expr, Expr];
  const starts = op === 'starts_with';
  const fixed = raw[1];
  if (typeof fixed === 'string') {
    // The usual case, `ends_with(email, "@example.com")`: the affix is known now.
    return starts
      ? (data) => {
          const s = text(data);
          return typeof s === 'string' ? s.startsWith(fixed) : null;
        }
      : (data) => {
          const s = text(data);
          return typeof s === 'string' ? s.endsWith(fixed) : null;
        };
  }
  return (data) => {
    const s = text(data);
    const a = affix(data);
    if (typeof s !== 'string' || typeof a !== 'string') return null;
    return starts ? s.startsWith(a) : s.endsWith(a);
  };
}

/** flagd's operators take an array of arguments; anything else evaluates to null. */
function withArgs(compile: (o: Operation, raw: readonly unknown[]) => Expr): Operator {
  return { compile: (o) => (Array.isArray(o.raw) ? compile(o, o.raw) : constant(null)), constant: () => false };
}

/** flagd's own: fractional, sem_ver, starts_with, ends_with */
export const flagdOperators: OperatorTable = {
  fractional: withArgs((o, raw) => fractional(raw, o.compileAll(), o.scope.flagKey, o.top)),
  sem_ver: withArgs((o, raw) => semVer(raw, o.compileAll())),
  starts_with: withArgs((o, raw) => startsOrEndsWith('starts_with', o.compileAll(), raw)),
  ends_with: withArgs((o, raw) => startsOrEndsWith('ends_with', o.compileAll(), raw)),
};
