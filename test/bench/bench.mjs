// `npm run bench`: every benchmark side by side in one run, then results/latest.json and
// docs/benchmarks.md. `npm run bench -- --quick`: a few seconds of the same code (part of
// npm test), written to results/quick/ only. `npm run bench -- --only ofrep`: one file
// (test/bench/ofrep.bench.test.ts), its groups replaced in results/latest.json, the rest kept.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const renderOnly = process.argv.includes('--render-only');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
if (onlyAt !== -1 && !/^[\w-]+$/.test(only ?? '')) throw new Error('--only takes a bench file name: --only ofrep');
const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const partsDir = `${here}results/${quick ? 'quick' : 'parts'}/`;
if (renderOnly) {
  // Regenerate docs/benchmarks.md from the last results (after editing notes.md).
  const { renderMarkdown } = await import('./render.mjs');
  const last = JSON.parse(readFileSync(`${here}results/latest.json`, 'utf8'));
  writeFileSync(`${root}docs/benchmarks.md`, renderMarkdown(last, readFileSync(`${here}notes.md`, 'utf8').split('\n')));
  console.log('rewrote docs/benchmarks.md');
  process.exit(0);
}
rmSync(partsDir, { recursive: true, force: true });
mkdirSync(partsDir, { recursive: true });
const files = only ? [`test/bench/${only}.bench.test.ts`] : [];
execFileSync(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--config', `${here}vitest.config.ts`, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DIALS_BENCH_QUICK: quick ? '1' : '0' },
});
const figures = readdirSync(partsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((f) => JSON.parse(readFileSync(`${partsDir}${f}`, 'utf8')));
const version = (name) => {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return undefined;
  }
};
const packages = Object.fromEntries(
  [
    '@openfeature/flagd-core',
    '@openfeature/server-sdk',
    'unleash-client',
    '@growthbook/growthbook',
    '@launchdarkly/node-server-sdk',
    'etcd3',
    'express',
    '@nestjs/core',
    '@nestjs/config',
    'autocannon',
  ].map((n) => [n, version(n)]),
);
const etcdVersion = (() => {
  try {
    return execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return 'unknown';
  }
})();
const result = {
  at: new Date().toISOString(),
  quick,
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: process.platform,
    arch: process.arch,
  },
  node: process.version,
  etcd: etcdVersion,
  packages,
  figures,
};
if (only && !quick) {
  // Keep every other figure of the last full run; note when these were measured.
  const last = JSON.parse(readFileSync(`${here}results/latest.json`, 'utf8'));
  const groups = new Set(figures.map((f) => f.group));
  last.figures = [...last.figures.filter((f) => !groups.has(f.group)), ...figures];
  last.updated = [...(last.updated ?? []).filter((u) => u.file !== only), { file: only, at: result.at, node: result.node }];
  last.packages = { ...last.packages, ...packages };
  writeFileSync(`${here}results/latest.json`, JSON.stringify(last, null, 2));
  const { renderMarkdown } = await import('./render.mjs');
  writeFileSync(`${root}docs/benchmarks.md`, renderMarkdown(last, readFileSync(`${here}notes.md`, 'utf8').split('\n')));
  console.log(`merged ${figures.length} figures of ${only} into test/bench/results/latest.json; wrote docs/benchmarks.md`);
  process.exit(0);
}
if (quick) {
  writeFileSync(`${partsDir}latest.json`, JSON.stringify(result, null, 2));
  console.log(`bench --quick: ${figures.length} figures (speed not checked; see npm run bench)`);
  process.exit(0);
}
writeFileSync(`${here}results/latest.json`, JSON.stringify(result, null, 2));
const { renderMarkdown } = await import('./render.mjs');
let notes = [];
try {
  notes = readFileSync(`${here}notes.md`, 'utf8').split('\n');
} catch {
  // no notes yet
}
writeFileSync(`${root}docs/benchmarks.md`, renderMarkdown(result, notes));
console.log('wrote test/bench/results/latest.json and docs/benchmarks.md');
