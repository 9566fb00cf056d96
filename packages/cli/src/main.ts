import { run } from './cli.js';
import { fail } from './output.js';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(error, false);
  },
);
