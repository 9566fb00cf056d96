import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDials, runEtcdctl, watchUntil } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const etcdctl = (...args: string[]) => runEtcdctl(endpoint, ...args);
const SECRET = 'hunter2';
const REDACTED = '<redacted>';

let dir: string;
let p: string;
let n = 0;
/** A fresh secret value each time, so that every write changes something. */
const secret = () => JSON.stringify(`${SECRET}-${n++}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dials-cli-redaction-'));
  p = uniquePrefix('cli-redact');
  await etcdctl('put', `${p}a/db/password`, secret());
  await etcdctl('put', `${p}b/db/password`, secret());
  await etcdctl(
    'put',
    `${p}flags/api-token`,
    JSON.stringify({ state: 'ENABLED', variants: { on: `${SECRET}-flag`, off: 'x' }, defaultVariant: 'on' }),
  );
  writeFileSync(join(dir, 'secret.json'), JSON.stringify({ db: { password: `${SECRET}-file` } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each command's output, given extra options (`--json`, `--show-secrets`): stdout and stderr together. */
type Printer = (extra: string[]) => Promise<string>;
const dials = async (...args: string[]) => {
  const run = await runDials(endpoint, args);
  return run.stdout + run.stderr;
};
/** The release id (as history prints it) of a fresh write of the secret key under `sub`. */
async function freshRelease(sub: string): Promise<string> {
  const run = await runDials(endpoint, ['set', `${p}${sub}/db/password`, secret(), '--json', '--namespace', `${p}${sub}/`]);
  return JSON.parse(run.stdout).release.id;
}

// [command, how to run it, whether its human output shows values at all, whether it prints release records]
const commands: [string, Printer, boolean, boolean?][] = [
  ['get', (x) => dials('get', `${p}a/db/password`, ...x), true],
  ['ls', (x) => dials('ls', `${p}a/`, ...x), true],
  ['diff', (x) => dials('diff', `${p}a/`, `${p}b/`, ...x), true],
  ['import (preview)', (x) => dials('import', join(dir, 'secret.json'), '--prefix', `${p}a/`, ...x), true],
  ['import --apply', (x) => dials('import', join(dir, 'secret.json'), '--prefix', `${p}import-${n++}/`, '--apply', ...x), false, true],
  ['sync (preview)', (x) => dials('sync', `${p}a/`, `${p}b/`, ...x), true],
  ['set', (x) => dials('set', `${p}set/db/password`, secret(), ...x), false, true],
  ['set (not JSON)', (x) => dials('set', `${p}set/db/password`, `${SECRET} not json`, ...x), true],
  [
    'rm',
    async (x) => {
      await etcdctl('put', `${p}rm/db/password`, secret());
      return dials('rm', `${p}rm/db/password`, ...x);
    },
    false,
    true,
  ],
  [
    'history',
    async (x) => {
      await freshRelease('history');
      return dials('history', `${p}history/`, ...x);
    },
    false,
    true,
  ],
  ['rollback', async (x) => dials('rollback', await freshRelease('rollback'), '--namespace', `${p}rollback/`, '--yes', ...x), false, true],
  ['flags eval', (x) => dials('flags', 'eval', 'api-token', '--prefix', `${p}flags/`, ...x), true],
  [
    'watch',
    async (x) => {
      const w = `${p}watch-${n++}/`;
      const { out } = await watchUntil(
        endpoint,
        [w, ...x],
        (o) => o.includes('password'),
        () => etcdctl('put', `${w}db/password`, secret()),
      );
      return out;
    },
    true,
  ],
];

describe('every output path redacts secret values the same way, human and --json', () => {
  it.each(commands)('%s', async (_name, print, humanShowsValues, fromRecords) => {
    for (const extra of [[], ['--json']]) {
      const out = await print(extra);
      expect(out, `${extra.join(' ')}: ${out}`).not.toContain(SECRET);
      if (humanShowsValues || extra.length > 0) expect(out, `${extra.join(' ')}: ${out}`).toContain(REDACTED);
      if (fromRecords) {
        // Release records never hold a secret (only its digest): not even --show-secrets can show it.
        const shown = await print([...extra, '--show-secrets']);
        expect(shown).not.toContain(SECRET);
        if (extra.length > 0) expect(shown).toContain('"digests"');
      } else if (humanShowsValues || extra.length > 0) {
        // The same output with --show-secrets has the value: the check above can fail.
        expect(await print([...extra, '--show-secrets'])).toContain(SECRET);
      }
    }
  });
});
