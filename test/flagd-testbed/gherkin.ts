/**
 * A small reader for the Gherkin the flagd testbed uses: Feature, Background, Scenario and
 * Scenario Outline with (tagged) Examples tables, steps with data tables, tags and comments. It
 * throws on any line it does not understand, so a construct it lacks cannot pass unnoticed.
 */

export interface Step {
  readonly text: string;
  /** The step's data table, header row first (empty when it has none). */
  readonly table: readonly (readonly string[])[];
}

/** One scenario to run: an outline is expanded into one case per Examples row. */
export interface Case {
  readonly feature: string;
  readonly file: string;
  readonly name: string;
  /** The feature's, the scenario's and the Examples block's tags. */
  readonly tags: readonly string[];
  /** The Background's steps, then the scenario's, with `<column>` replaced by the row's value. */
  readonly steps: readonly Step[];
}

interface Examples {
  readonly name: string;
  readonly tags: string[];
  rows: string[][];
}

interface Scenario {
  readonly name: string;
  readonly tags: string[];
  readonly steps: { text: string; table: string[][] }[];
  readonly examples: Examples[];
}

/** A table row's cells: `|` separates them, `\|`, `\\` and `\n` are escapes. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  for (let i = line.indexOf('|') + 1; i < line.length; i++) {
    const char = line[i] as string;
    if (char === '\\' && (line[i + 1] === '|' || line[i + 1] === '\\' || line[i + 1] === 'n')) {
      cell += line[i + 1] === 'n' ? '\n' : line[i + 1];
      i++;
    } else if (char === '|') {
      out.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  return out;
}

export function parseFeature(text: string, file: string): Case[] {
  let feature = '';
  let featureTags: string[] = [];
  let pendingTags: string[] = [];
  const background: { text: string; table: string[][] }[] = [];
  const scenarios: Scenario[] = [];
  let steps = background;
  let examples: Examples | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const where = `${file}:${index + 1}`;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@')) {
      pendingTags.push(...line.split(/\s+/));
      continue;
    }
    const header = /^(Feature|Background|Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios):\s*(.*)$/.exec(line);
    if (header) {
      const [, keyword, name = ''] = header;
      if (keyword === 'Feature') {
        feature = name;
        featureTags = pendingTags;
      } else if (keyword === 'Background') {
        steps = background;
      } else if (keyword === 'Examples' || keyword === 'Scenarios') {
        const scenario = scenarios.at(-1);
        if (!scenario) throw new Error(`${where}: Examples outside a scenario`);
        examples = { name, tags: pendingTags, rows: [] };
        scenario.examples.push(examples);
      } else {
        const scenario: Scenario = { name, tags: [...featureTags, ...pendingTags], steps: [], examples: [] };
        scenarios.push(scenario);
        steps = scenario.steps;
        examples = undefined;
      }
      pendingTags = [];
      continue;
    }
    if (line.startsWith('|')) {
      if (examples) examples.rows.push(cells(line));
      else {
        const step = steps.at(-1);
        if (!step) throw new Error(`${where}: a table with no step`);
        step.table.push(cells(line));
      }
      continue;
    }
    const step = /^(Given|When|Then|And|But|\*) (.+)$/.exec(line);
    if (!step || examples) throw new Error(`${where}: cannot read ${JSON.stringify(line)}`);
    steps.push({ text: step[2] as string, table: [] });
  }

  const cases: Case[] = [];
  for (const scenario of scenarios) {
    const base = { feature, file, tags: scenario.tags };
    if (scenario.examples.length === 0) {
      cases.push({ ...base, name: scenario.name, steps: [...background, ...scenario.steps] });
      continue;
    }
    for (const block of scenario.examples) {
      const [columns = [], ...rows] = block.rows;
      for (const [i, row] of rows.entries()) {
        const fill = (s: string) =>
          s.replace(/<([^>]+)>/g, (all, column: string) => (columns.includes(column) ? (row[columns.indexOf(column)] ?? '') : all));
        cases.push({
          ...base,
          name: `${scenario.name}${block.name ? ` (${block.name})` : ''} #${i + 1}`,
          tags: [...scenario.tags, ...block.tags],
          steps: [...background, ...scenario.steps].map((s) => ({ text: fill(s.text), table: s.table.map((r) => r.map(fill)) })),
        });
      }
    }
  }
  return cases;
}
