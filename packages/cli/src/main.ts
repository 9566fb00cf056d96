import { run } from './cli.js';
import { fail } from './output.js';

// Done is done: a client handle left open (a gRPC channel closing, a kept-alive socket) must not
// hold the process. Output is written by then (stdout and stderr are synchronous on Linux).
const exit = (code: number) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
};

run(process.argv.slice(2)).then(exit, (error: unknown) => exit(fail(error, false)));
