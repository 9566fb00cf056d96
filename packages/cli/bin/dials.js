#!/usr/bin/env node
// The `dials` bin is this committed file, not the build: npm links bins at install time, before
// anything is built, and a bin that does not exist yet is never linked. It loads the build.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (existsSync(main)) await import(main.href);
else {
  process.stderr.write(
    'dials: the command is not built yet (packages/cli/dist/main.js is missing).\n' +
      'Build it from the repository root: npm run build (or npx turbo run build --filter=@dials/cli...)\n',
  );
  process.exitCode = 1;
}
