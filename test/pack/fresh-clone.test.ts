import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// What a fresh clone holds: the files git tracks (as they are in the work tree, so uncommitted
// changes are tested too) and no node_modules, no dist.
let clone: string;
beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'dials-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(root, f)));
  for (const file of files) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(root, file), join(clone, file));
  }
  // The README's first command (`npm ci` is `npm install` held to the lock file).
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: clone,
    stdio: 'pipe',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
}, 600_000);
afterAll(() => rmSync(clone, { recursive: true, force: true }));

const npxDials = () =>
  spawnSync('npx', ['--no-install', 'dials', '--help'], { cwd: clone, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('a fresh clone', () => {
  it('runs `npx dials --help` straight after npm install', () => {
    const run = npxDials();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: dials COMMAND');
  });

  it('says how to build when the build is missing', () => {
    const dist = join(clone, 'packages/cli/dist');
    renameSync(dist, `${dist}.away`);
    try {
      const run = npxDials();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('not built yet');
      expect(run.stderr).toContain('npm run build');
    } finally {
      renameSync(`${dist}.away`, dist);
    }
  });
});
