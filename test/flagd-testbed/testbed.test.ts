import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createFlags, type EvaluationContext, type EvaluationDetails, type FlagValue, flagdFileSource } from '@dials/flags';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Case, parseFeature, type Step } from './gherkin.js';

// The flagd testbed's evaluator suite (open-feature/flagd-testbed 3.9.0, commit 82ba89e, see
// README.md): its flag set, read through flagdFileSource, and every scenario of its feature files.

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const files = readdirSync(here('gherkin')).filter((f) => f.endsWith('.feature'));
const cases = files.flatMap((file) => parseFeature(readFileSync(here(`gherkin/${file}`), 'utf8'), file));

/**
 * Cases not run, by tag, and why. Every other case runs; a tag listed here that no longer
 * matches a case fails the suite, so the list cannot outlive the testbed it was written for.
 */
const NOT_RUN: Readonly<Record<string, string>> = {
  '@fractional-v1':
    "flagd's legacy fractional bucketing (abs(hash) / i32::MAX × 100), which the testbed keeps for implementations not yet moved to v2; Dials buckets as flagd-core does now, v2 ((hash × totalWeight) >> 32), whose examples run",
};
const notRun = (c: Case) => Object.keys(NOT_RUN).find((tag) => c.tags.includes(tag));
const running = cases.filter((c) => !notRun(c));

type FlagType = 'Boolean' | 'String' | 'Integer' | 'Float' | 'Object';

/** A value as the testbed writes it in a step or a table, read as `type`. */
function typed(type: string, text: string): FlagValue {
  switch (type) {
    case 'Boolean':
      if (text !== 'true' && text !== 'false') throw new Error(`not a Boolean: ${text}`);
      return text === 'true';
    case 'Integer':
    case 'Float':
      if (text.trim() === '' || Number.isNaN(Number(text))) throw new Error(`not a ${type}: ${text}`);
      return Number(text);
    case 'Object':
      // The feature files escape the quotes of JSON in tables: {\"a\": 1}.
      return JSON.parse(text.replaceAll('\\"', '"'));
    case 'String':
      return text;
    default:
      throw new Error(`unknown type ${type}`);
  }
}

let flags: ReturnType<typeof createFlags>;
beforeAll(async () => {
  flags = createFlags({ source: flagdFileSource(here('flags/testkit-flags.json')), prefix: '' });
  await flags.ready();
});
afterAll(() => flags.close());

/** What a scenario has built so far, step by step. */
interface World {
  flag?: { key: string; type: FlagType; fallback: FlagValue };
  context: Record<string, unknown>;
  details?: EvaluationDetails<FlagValue>;
}

/** Each step's wording and what it does; a step matching none fails its scenario. */
const STEPS: [RegExp, (world: World, match: string[], step: Step) => void][] = [
  [/^an evaluator$/, () => {}],
  [
    /^a (Boolean|String|Integer|Float|Object)-flag with key "(.*)" and a fallback value "(.*)"$/,
    (w, [, type, key, fallback]) => {
      w.flag = { key: key as string, type: type as FlagType, fallback: typed(type as string, fallback as string) };
    },
  ],
  [
    /^a context containing a key "(.*)", with type "(.*)" and with value "(.*)"$/,
    (w, [, key, type, value]) => {
      w.context[key as string] = typed(type as string, value as string);
    },
  ],
  [
    /^a context containing a targeting key with value "(.*)"$/,
    (w, [, value]) => {
      w.context.targetingKey = value;
    },
  ],
  [
    /^a context containing a nested property with outer key "(.*)" and inner key "(.*)", with value "(.*)"$/,
    (w, [, outer, inner, value]) => {
      w.context[outer as string] = { ...(w.context[outer as string] as object), [inner as string]: value };
    },
  ],
  [
    /^the flag was evaluated with details$/,
    (w) => {
      const flag = defined(w.flag, 'a flag');
      w.details = flags.resolve(flag.key, flag.fallback, w.context as EvaluationContext);
    },
  ],
  [
    /^the resolved details value should be "(.*)"$/,
    (w, [, value]) => expect(defined(w.details, 'an evaluation').value).toEqual(typed(defined(w.flag, 'a flag').type, value as string)),
  ],
  [/^the reason should be "(.*)"$/, (w, [, reason]) => expect(defined(w.details, 'an evaluation').reason).toBe(reason)],
  [/^the error-code should be "(.*)"$/, (w, [, code]) => expect(defined(w.details, 'an evaluation').errorCode).toBe(code)],
  [
    /^the resolved metadata should contain$/,
    (w, _, step) => {
      const [header = [], ...rows] = step.table;
      expect(header).toEqual(['key', 'metadata_type', 'value']);
      expect(rows.length).toBeGreaterThan(0);
      const metadata = defined(w.details, 'an evaluation').flagMetadata;
      for (const [key, type, value] of rows) expect(metadata[key as string], key).toEqual(typed(type as string, value as string));
    },
  ],
  [/^the resolved metadata is empty$/, (w) => expect(defined(w.details, 'an evaluation').flagMetadata).toEqual({})],
];

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what} in an earlier step`);
  return value;
}

function run(c: Case): void {
  const world: World = { context: {} };
  for (const step of c.steps) {
    const found = STEPS.map(([pattern, action]) => [pattern.exec(step.text), action] as const).find(([match]) => match);
    if (!found) throw new Error(`no step definition for "${step.text}" (${c.file})`);
    const [match, action] = found;
    action(world, [...(match as RegExpExecArray)], step);
  }
  // Every case must check something: the last step is a Then.
  expect(c.steps.at(-1)?.text).toMatch(/should|is empty/);
}

describe('flagd-testbed evaluator suite', () => {
  it('reads every feature file and runs every case but the ones listed in NOT_RUN, each for a reason', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const file of files) expect(cases.filter((c) => c.file === file).length, file).toBeGreaterThan(0);
    for (const tag of Object.keys(NOT_RUN)) expect(cases.filter((c) => c.tags.includes(tag)).length, tag).toBeGreaterThan(0);
    console.log(
      `flagd-testbed: ${cases.length} cases, ${running.length} run, ${cases.length - running.length} not run (${Object.keys(NOT_RUN).join(', ')})`,
    );
  });

  for (const c of running) {
    it(`${c.feature}: ${c.name}`, () => run(c));
  }
});
