// Runs before `npm start` and `npm test` (pre-scripts), so each works as the first command on a
// fresh clone: install exactly what the lock file says when node_modules is missing or older
// than the lock file, then build what turbo finds out of date. Plain Node: nothing is installed yet.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (command) =>
  execSync(command, { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' } });

const marker = `${root}node_modules/.package-lock.json`;
const lock = `${root}package-lock.json`;
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.log('> npm ci (node_modules missing or older than package-lock.json)');
  run('npm ci --no-audit --no-fund');
}
run('npx turbo run build --output-logs=errors-only');
