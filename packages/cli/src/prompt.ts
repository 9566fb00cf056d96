import { UsageError } from './output.js';

/**
 * The password of `--user NAME` given without one, read from the terminal without echo, as
 * etcdctl does. Not on a terminal there is no one to ask: a usage error says how to pass it.
 */
export function readPassword(
  user: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!input.isTTY)
    return Promise.reject(
      new UsageError(`--user ${user} needs a password: --user ${user}:PASS, --password PASS or DIALS_PASSWORD (on a terminal, dials asks)`),
    );
  // Raw mode first: what is typed as soon as the prompt shows must not be echoed.
  input.setRawMode(true);
  output.write(`Password for ${user}: `);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('password prompt interrupted'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Ask a yes/no question on the terminal (stderr); only `y` or `yes` is a yes. */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
