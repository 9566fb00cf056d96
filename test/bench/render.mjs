// Turns results/latest.json into docs/benchmarks.md: the tables, then each target and whether it was met.
const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));

function find(figures, group, name) {
  return figures.find((f) => f.group === group && f.name.startsWith(name))?.median;
}

/** The performance targets of the benchmark issue, checked against this run. */
export function targets(figures) {
  const rows = [];
  const check = (target, value, ok, detail) => rows.push({ target, value, ok, detail });
  for (const key of ['A', 'B', 'C']) {
    const g = `flag ${key}`;
    const is = find(figures, g, 'Dials flags.isEnabled');
    const ev = find(figures, g, 'Dials flags.evaluate');
    const core = find(figures, g, 'flagd-core direct');
    const plain = find(figures, g, 'plain JavaScript');
    const sdk = find(figures, g, 'Dials through the OpenFeature SDK');
    if (is === undefined) continue;
    check(`flag ${key}: isEnabled ≥ 5× flagd-core direct`, `${fmt(is / core)}×`, is / core >= 5);
    check(`flag ${key}: isEnabled ≥ ½ of plain JavaScript`, `${fmt((is / plain) * 100)} %`, is / plain >= 0.5);
    check(`flag ${key}: evaluate within 1.5× of isEnabled`, `${fmt(is / ev)}×`, is / ev <= 1.5);
    const uncounted = find(figures, g, 'Dials isEnabled, usage counting off');
    if (uncounted !== undefined)
      check(`flag ${key}: isEnabled counting usage ≥ 90 % of isEnabled without`, `${fmt((is / uncounted) * 100)} %`, is / uncounted >= 0.9);
    check(`flag ${key}: the OpenFeature SDK's own overhead`, `${fmt(is / sdk)}× slower than isEnabled`, true, 'reported, no target');
  }
  const map = find(figures, 'config reads', 'Map.get');
  const get = find(figures, 'config reads', 'Dials dials.get');
  if (get !== undefined) check('dials.get within 2× of Map.get', `${fmt(map / get)}× the cost`, map / get <= 2);
  const gray = 'config reads with a gray release';
  const none = find(figures, gray, 'dials.get, on no gray release');
  if (none !== undefined) {
    for (const [name, label] of [
      ['dials.get, on a gray release that overrides', 'overriding the paths read'],
      ['dials.get, on a gray release that adds', 'adding the paths read'],
    ]) {
      const on = find(figures, gray, name);
      check(`dials.get on a gray release ${label} within 1.1× of one on none`, `${fmt(none / on)}× the cost`, none / on <= 1.1);
    }
  }
  const pg = 'change propagation (put → callback)';
  const raw = find(figures, pg, 'raw etcd3 watcher, 1 key p50');
  const one = find(figures, pg, 'Dials, 1 subscriber p50');
  const p99 = find(figures, pg, 'Dials, 1 subscriber p99');
  if (one !== undefined) {
    check('propagation p50 within 1.2× of a raw etcd3 watcher', `${fmt(one / raw)}×`, one / raw <= 1.2);
    check('propagation p99 under 10 ms', `${fmt(p99)} ms`, p99 < 10);
  }
  for (const count of [10000, 100000]) {
    const r = find(figures, 'start-up', `raw etcd3 getAll, ${count} keys`);
    const d = find(figures, 'start-up', `Dials ready(), ${count} keys`);
    if (d !== undefined) check(`start-up on ${count} keys within 1.5× of a raw getAll`, `${fmt(d / r)}×`, d / r <= 1.5);
  }
  const seq = figures.find((f) => f.group === 'bulk write' && f.name.includes('sequential'))?.median;
  const pub = figures.find((f) => f.group === 'bulk write' && f.name.startsWith('publish'))?.median;
  if (pub !== undefined) check('bulk publish ≥ 10× faster than sequential puts', `${fmt(seq / pub)}×`, seq / pub >= 10);
  const plain = figures.find((f) => f.group === 'atomic release' && f.name.includes('not atomic'))?.median;
  const atomic = figures.find((f) => f.group === 'atomic release' && f.name.includes('atomic (in-progress'))?.median;
  if (atomic !== undefined)
    check('atomic 5 000-change release ≤ 1.3× the non-atomic publish', `${fmt(atomic / plain)}×`, atomic / plain <= 1.3);
  const emitted = figures.find((f) => f.group === 'atomic release' && f.name.startsWith('changes$'))?.max;
  if (emitted !== undefined) check('a subscriber applies the atomic release in one emission', `${fmt(emitted)}`, emitted === 1);
  const free = find(figures, 'atomic release', 'dials.get, nothing held');
  const held = find(figures, 'atomic release', 'dials.get while a release is held');
  if (held !== undefined)
    check('dials.get while a release is held ≥ 90 % of its speed otherwise', `${fmt((held / free) * 100)} %`, held / free >= 0.9);
  for (const group of ['HTTP (Express 5, autocannon, 50 connections)', 'HTTP (NestJS 11 on Express, autocannon, 50 connections)']) {
    const bare = find(figures, group, 'bare route');
    const dials = figures.find((f) => f.group === group && f.name !== 'bare route')?.median;
    if (dials !== undefined)
      check(
        `${group.split(' (')[0]} ${group.includes('Nest') ? 'NestJS' : 'Express'}: under 5 % fewer requests/s than bare`,
        `${fmt(((bare - dials) / bare) * 100)} %`,
        (bare - dials) / bare < 0.05,
      );
  }
  const ofrep = 'OFREP (Express 5, autocannon, 50 connections)';
  const bulk = find(figures, ofrep, 'bulk evaluation, 50 flags');
  if (bulk !== undefined) {
    const floor = find(figures, ofrep, 'bare POST route');
    const n304 = find(figures, ofrep, 'bulk, If-None-Match');
    const detail = floor === undefined ? '' : `, ${fmt((bulk / floor) * 100)} % of a bare route`;
    check('OFREP bulk evaluation, 50 flags', `${fmt(bulk)} req/s${detail}; 304: ${fmt(n304)} req/s`, true, 'reported, no target');
  }
  const startup = figures.find((f) => f.group.startsWith('CLI start-up') && f.name === 'node -e 0')?.group;
  if (startup) {
    const node = find(figures, startup, 'node -e 0');
    for (const [name, limit] of [
      ['dials --help', 1.5],
      ['dials get', 2.5],
      ['dials set', 2.5],
    ]) {
      const ms = find(figures, startup, name);
      check(`\`${name}\` start-up ≤ ${limit}× a bare \`node -e 0\``, `${fmt(ms / node)}× (${fmt(ms)} ms)`, ms / node <= limit);
    }
  }
  const ui = 'console UI (headless Chromium)';
  const firstLoad = find(figures, ui, 'first load, the tree painted (10000 keys');
  if (firstLoad !== undefined)
    check('console: first load on 10 000 keys under 1 s (tree painted)', `${fmt(firstLoad)} ms`, firstLoad < 1000);
  const fanOut = find(figures, ui, 'save → the last of 100 subscribed instances');
  if (fanOut !== undefined) check('console: a save reaches all 100 subscribed instances under 200 ms', `${fmt(fanOut)} ms`, fanOut < 200);
  const shown = find(figures, ui, 'etcd put elsewhere → the open key view shows it');
  if (shown !== undefined) check('console: a change made elsewhere shows within 1 s', `${fmt(shown)} ms`, shown < 1000);
  return rows;
}

export function renderMarkdown(result, notes = []) {
  const groups = new Map();
  for (const f of result.figures) {
    if (!groups.has(f.group)) groups.set(f.group, []);
    groups.get(f.group).push(f);
  }
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${result.at.slice(0, 10)} from \`test/bench/results/latest.json\`; do not edit by hand`,
    '(the notes at the end come from `test/bench/notes.md`).',
    '',
    `Machine: ${result.machine.cpus} × ${result.machine.cpu}, ${result.machine.memoryGiB} GiB; Node ${result.node}; ${result.etcd}.`,
    ...(result.updated ?? []).map(
      (u) =>
        `The \`${u.file}\` figures are from \`npm run bench -- --only ${u.file}\` on ${u.at.slice(0, 10)}, a later run on the same machine.`,
    ),
    `Packages: ${Object.entries(result.packages)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    'Every figure is the median of 5 repetitions (min – max beside it; 3 for bulk writes; latency percentiles over 1 000 changes), all contenders in the same run.',
    '',
    '## Targets',
    '',
    '| target | this run | met |',
    '|---|---|---|',
    ...targets(result.figures).map((t) => `| ${t.target} | ${t.value} | ${t.detail ?? (t.ok ? 'yes' : '**no**')} |`),
    '',
  ];
  for (const [group, figures] of groups) {
    lines.push(`## ${group}`, '', '| contender | median | min – max | unit | note |', '|---|---:|---:|---|---|');
    for (const f of figures) lines.push(`| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)} – ${fmt(f.max)} | ${f.unit} | ${f.note ?? ''} |`);
    lines.push('');
  }
  lines.push(...notes);
  return `${lines.join('\n')}\n`;
}
