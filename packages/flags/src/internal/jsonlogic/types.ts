/** A compiled expression: evaluates against the data in scope (the context, or an array element). */
export type Expr = (data: unknown) => unknown;

/** Limits that keep a hostile targeting tree from hanging or overflowing the stack. */
export interface CompileLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
  /** The most steps an evaluation may take, iterations multiplied out (see `checkCost`). */
  readonly maxCost: number;
  /** The longest string or array `cat` and `merge` may build (checked at compile time and when they run). */
  readonly maxValueLength: number;
}

/** What the top-level scope knows: the flag's key, for `$flagd.flagKey` and fractional bucketing. */
export interface FlagScope {
  readonly flagKey: string;
}

/**
 * json-logic-engine's compiled code keeps one `prev` variable per function, which `var` and the
 * comparisons assign as they go; flagd runs that code, so its answers depend on it. One per tree.
 */
export interface Register {
  prev: unknown;
}

/** One operation of the tree, `{"op": raw}`, as its operator's compiler sees it. */
export interface Operation {
  readonly op: string;
  /** The operator's value: usually the array of its arguments. */
  readonly raw: unknown;
  /** `raw` when it is an array, else `[raw]`. */
  readonly args: readonly unknown[];
  /** In the flag's own scope, not in an iterator's mapper: `$flagd` is there. */
  readonly top: boolean;
  readonly scope: FlagScope;
  /** The tree's `prev` register. */
  readonly register: Register;
  /** Whether anything in the tree reads the register; if not, `var` need not write it. */
  readonly registerRead: boolean;
  /** The tree's limits: `cat` and `merge` refuse to build values longer than `maxValueLength`. */
  readonly limits: CompileLimits;
  /** Compile an argument, in the same scope. */
  compile(arg: unknown): Expr;
  /** Compile every argument of `args`. */
  compileAll(): Expr[];
  /** Compile an iterator's mapper: it runs on each element, below the flag's scope. */
  compileMapper(arg: unknown): Expr;
}

/** An operator: how to compile it, and what constant folding and the register need to know. */
export interface Operator {
  readonly compile: (operation: Operation) => Expr;
  /**
   * Whether an operation reads nothing from the context, so it is folded into a constant.
   * Without it, an operation is constant when its arguments are.
   */
  readonly constant?: (raw: unknown, insideIterator: boolean) => boolean;
  /** Its second argument is a mapper run on each element (`var` there reads the element). */
  readonly iterates?: boolean;
  /** Reads json-logic-engine's `prev` register (the comparisons). */
  readonly readsRegister?: boolean;
}

/** Operators by name: one family's, or all of them. */
export type OperatorTable = Readonly<Record<string, Operator>>;
