import { type ChildProcess, spawn } from 'node:child_process';
import { cleanEnv, dialsBin } from './cli.js';

export interface Serving {
  readonly child: ChildProcess;
  /** The base URL it printed (`http://127.0.0.1:PORT`). */
  readonly url: string;
  output(): string;
  /** Send `signal`; the exit code and how long the exit took. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/**
 * `dials ARGS` (a command that serves) as a process, until it prints the line `pattern` matches
 * (its first group: the base URL); rejects with the output if it exits first.
 */
export function startServing(
  endpoint: string,
  args: readonly string[],
  pattern: RegExp,
  env: Record<string, string | undefined> = {},
): Promise<Serving> {
  const child = spawn(process.execPath, [dialsBin, ...args], {
    env: cleanEnv({ ...process.env, ETCD_ENDPOINTS: endpoint, NO_COLOR: '1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // 'close', not 'exit': the output the process wrote as it exited has been read by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let served = false;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = pattern.exec(out)?.[1];
      if (!url || served) return;
      served = true;
      resolve({
        child,
        url,
        output: () => out,
        stop: async (signal) => {
          const start = Date.now();
          child.kill(signal);
          const code = await exited;
          return { code, ms: Date.now() - start };
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`dials ${args.join(' ')} exited with ${code} before serving:\n${out}`)));
  });
}
