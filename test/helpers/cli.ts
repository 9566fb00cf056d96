import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findEtcdctl } from './etcd.js';

/** The `dials` bin as npm links it (it loads packages/cli/dist: build first). */
export const dialsBin = fileURLToPath(new URL('../../packages/cli/bin/dials.js', import.meta.url));

/** The environment without the variables set to undefined. */
export function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `dials ARGS...` against `endpoint` as a user would; `env` adds to (or, undefined, removes from) the environment. */
export function runDials(
  endpoint: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [dialsBin, ...args],
      { cwd, env: cleanEnv({ ...process.env, ETCD_ENDPOINTS: endpoint, DIALS_AUTHOR: 'tester', NO_COLOR: '1', ...env }) },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The last line of stdout as JSON (`--json` is added). */
export async function runJson(endpoint: string, args: readonly string[]) {
  const run = await runDials(endpoint, [...args, '--json']);
  return { ...run, data: JSON.parse(run.stdout.trim().split('\n').pop() || 'null') };
}

export function runEtcdctl(endpoint: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(findEtcdctl(), ['--endpoints', endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' } }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve(stdout),
    );
  });
}

/**
 * `dials watch ARGS` until `until(output)` holds, then Ctrl-C (SIGINT). `poke` makes something
 * happen; it is repeated every 100 ms until it shows, as the watch is live only some time after
 * it starts (and with --json says nothing until an event). Resolves with the output, the exit code
 * and how long the exit took after the signal.
 */
export function watchUntil(
  endpoint: string,
  args: readonly string[],
  until: (out: string) => boolean,
  poke: () => Promise<unknown>,
): Promise<{ out: string; code: number | null; exitMs: number }> {
  const child = spawn(process.execPath, [dialsBin, 'watch', ...args], { env: { ...process.env, ETCD_ENDPOINTS: endpoint, NO_COLOR: '1' } });
  let out = '';
  let poking = false;
  const pokes = setInterval(async () => {
    if (poking || until(out)) return;
    poking = true;
    await poke();
    poking = false;
  }, 100);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (until(out) && child.exitCode === null && !child.killed) {
        clearInterval(pokes);
        const signalled = process.hrtime.bigint();
        child.once('exit', (code) => resolve({ out, code, exitMs: Number(process.hrtime.bigint() - signalled) / 1e6 }));
        child.kill('SIGINT');
      }
    });
  });
}

/** A `dials` command left running (the scheduler, a watch): wait for what it prints, then signal it. */
export interface RunningDials {
  readonly pid: number;
  /** Resolves with everything printed so far once `until` holds for it (rejects when the command exits first). */
  waitFor(until: (out: string) => boolean): Promise<string>;
  /** Send `signal` and resolve with the exit code (null when killed by the signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export function startDials(endpoint: string, args: readonly string[], env: Record<string, string | undefined> = {}): RunningDials {
  const child = spawn(process.execPath, [dialsBin, ...args], {
    env: cleanEnv({ ...process.env, ETCD_ENDPOINTS: endpoint, NO_COLOR: '1', ...env }),
  });
  let out = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const hear = (d: Buffer) => {
    out += d.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout.on('data', hear);
  child.stderr.on('data', hear);
  return {
    pid: child.pid as number,
    waitFor: (until) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!until(out)) return;
          waiters.delete(check);
          resolve(out);
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (waiters.delete(check)) reject(new Error(`dials ${args.join(' ')} exited (${code}) first:\n${out}`));
        });
      }),
    stop: (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}
