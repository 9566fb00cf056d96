import { spawn } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cleanEnv, dialsBin, type Run, runDials, runJson } from '../helpers/cli.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// What a hostile key, value, author or message can do to the terminal of whoever lists it: set
// its title (ESC]0;…BEL), clear it (ESC[2J), hide the text that follows (ESC[8m), overwrite a line
// (CR). Every line the CLI prints, on stdout and stderr, shows them as \xNN.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
afterAll(() => etcd.close());
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);

const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\u001b[8mhidden\rover';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x1b[8mhidden\\x0dover';

/** Neither the hostile sequences nor a bare CR reach the terminal; their escaped form does. */
function expectEscaped(text: string): void {
  expect(text).not.toContain('\u001b]0;');
  expect(text).not.toContain('\u001b[2J');
  expect(text).not.toContain('\u001b[8m');
  expect(text).not.toContain('\u0007');
  expect(text).toContain(SHOWN);
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * `dials ARGS` on a terminal (a pseudo-terminal made by util-linux `script`), typing `answer`:
 * stdout and stderr both come back as `stdout`, as the terminal shows them. With colours on.
 */
function onTerminal(args: readonly string[], answer: string): Promise<Run> {
  const command = [process.execPath, dialsBin, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: cleanEnv({ ...process.env, ETCD_ENDPOINTS: endpoint, DIALS_AUTHOR: 'tester', NO_COLOR: undefined }),
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stdin.end(answer);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout: out, stderr: '' }));
  });
}

describe('control characters are shown, never obeyed', () => {
  it('get: an SGR sequence other than our colours (ESC[8m hides text) is escaped too', async () => {
    const prefix = uniquePrefix('cli-esc-get');
    await etcd.put(`${prefix}motd`).value(HOSTILE);
    expectEscaped((await dials('get', `${prefix}motd`)).stdout);
    expect((await json('get', `${prefix}motd`)).data.value).toBe(HOSTILE); // --json keeps the real text
  });

  it('history: messages, authors and the names of skipped records', async () => {
    const prefix = uniquePrefix('cli-esc-history');
    const namespace = prefix.slice(1, -1);
    expect((await dials('set', `${prefix}k`, '1', '--namespace', namespace, '-m', HOSTILE, '--author', HOSTILE)).code).toBe(0);
    await etcd.put(`/dials/releases/${namespace}/bad${HOSTILE}`).value('not json');
    const run = await dials('history', prefix);
    expect(run.code).toBe(0);
    expectEscaped(run.stdout);
    expect(run.stderr).toContain(`skipped: /dials/releases/${namespace}/bad${SHOWN}`);
    expectEscaped(run.stderr);
  });

  it('flags ls: the key of a document that is not a flag', async () => {
    const prefix = uniquePrefix('cli-esc-flags');
    await etcd.put(`${prefix}broken${HOSTILE}`).value('null');
    const run = await dials('flags', 'ls', '--prefix', prefix);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`skipped: ${prefix}broken${SHOWN} is not a flag`);
    expectEscaped(run.stderr);
  });

  it('rollback: the preview of what it writes, off a terminal and on one (colours on: only ours pass)', async () => {
    const prefix = uniquePrefix('cli-esc-rollback');
    const key = `${prefix}motd${HOSTILE}`; // values are shown quoted, as JSON; keys as they are
    expect((await dials('set', key, 'old', '--string')).code).toBe(0);
    const second = await json('set', key, 'fine', '--string');
    const id = second.data.release.id as string;
    const namespace = second.data.release.namespace as string;

    const off = await dials('rollback', id, '--namespace', namespace);
    expect(off.code).toBe(2);
    expectEscaped(off.stderr);

    const on = await onTerminal(['rollback', id, '--namespace', namespace], 'n\n');
    expect(on.stdout).toContain(`rollback ${id} writes 1 key:`);
    expectEscaped(on.stdout);
    expect(on.stdout).toContain('\u001b[2m→\u001b[0m'); // our own dim arrow is a colour, not text
    expect(on.code).toBe(1); // answered no
    expect((await etcd.get(key).string()) as string).toBe('fine');
  });

  it('rm -r: the preview of the keys it deletes, off a terminal and on one', async () => {
    const prefix = uniquePrefix('cli-esc-rm');
    for (let i = 0; i < 11; i++) await etcd.put(`${prefix}tmp/k${i}${HOSTILE}`).value('1');
    const off = await dials('rm', '-r', `${prefix}tmp/`);
    expect(off.code).toBe(2);
    expectEscaped(off.stderr);

    const on = await onTerminal(['rm', '-r', `${prefix}tmp/`], 'n\n');
    expect(on.stdout).toContain(`rm -r ${prefix}tmp/ deletes 11 keys:`);
    expectEscaped(on.stdout);
    expect(on.code).toBe(1);
    expect(await etcd.getAll().prefix(`${prefix}tmp/`).keys()).toHaveLength(11);
  });
});
