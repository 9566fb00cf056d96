import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './etcd.js';

const demoMain = fileURLToPath(new URL('../../apps/demo/dist/main.js', import.meta.url));

export interface DemoProcess {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** The built demo started as a process, as `npm start` runs it, once it printed its last start-up line. */
export async function startDemo(env: Record<string, string>): Promise<DemoProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [demoMain], {
    cwd: join(demoMain, '../..'),
    env: { ...process.env, ETCD_ENDPOINTS: '', ...env, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Try: ')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Ask `check` until it holds (an HTTP answer has no event to wait for); fails after 10 s. Returns how long it took. */
export async function until(check: () => Promise<boolean>, what = 'the condition'): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not hold within 10 s`);
}
