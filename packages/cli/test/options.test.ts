import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../src/cli.js';
import { COMMON_OPTIONS } from '../src/command.js';
import { commandHelp, mainHelp } from '../src/help.js';
import { EXIT, UsageError } from '../src/output.js';
import { parseCommand, splitCommand } from '../src/parse.js';
import { registry } from '../src/registry.js';

afterEach(() => vi.restoreAllMocks());

/** Run `dials ...` in-process, without etcd: only what fails or answers before connecting. */
async function dials(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = await run(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

const load = async (name: string) => {
  const entry = registry.find((e) => e.name === name);
  if (!entry) throw new Error(`no command ${name}`);
  return { entry, command: await entry.load() };
};

describe('the registry', () => {
  it('has the twenty-four commands, each in a module of its own', async () => {
    expect(registry.map((e) => e.name)).toEqual([
      'get',
      'ls',
      'set',
      'rm',
      'watch',
      'import',
      'export',
      'diff',
      'sync',
      'history',
      'rollback',
      'release',
      'lock',
      'status',
      'services',
      'fleet',
      'rbac',
      'gray',
      'policy',
      'cr',
      'scheduler',
      'flags',
      'console',
      'ofrep',
    ]);
    const modules = await Promise.all(registry.map((e) => e.load()));
    expect(new Set(modules).size).toBe(registry.length);
  });

  it("names only options a command has in its subcommands' lists", async () => {
    for (const entry of registry) {
      const command = await entry.load();
      for (const sub of Object.values(command.subcommands ?? {}))
        for (const name of sub.options) expect(command.options).toHaveProperty([name]);
    }
  });

  it('dials --help lists every command without loading any', async () => {
    const loads = registry.map((entry) => vi.spyOn(entry, 'load'));
    const { code, stdout } = await dials('--help');
    expect(code).toBe(EXIT.ok);
    const width = Math.max(...registry.map((e) => e.name.length));
    for (const entry of registry) expect(stdout).toContain(`  ${entry.name.padEnd(width)}  ${entry.summary}`);
    for (const spy of loads) expect(spy).not.toHaveBeenCalled();
    expect(mainHelp()).toContain('--show-secrets');
  });
});

describe('strict options per command', () => {
  it.each([
    ['get', ['get', '/k', '--apply'], '--apply'],
    ['ls', ['ls', '/p/', '--prefix', '/x/'], '--prefix'],
    ['set', ['set', '/k', '1', '--format', 'json'], '--format'],
    ['rm', ['rm', '/k', '--apply'], '--apply'],
    ['watch', ['watch', '/p/', '--string'], '--string'],
    ['import', ['import', 'f.yaml', '--prefix', '/p/', '--variant', 'x'], '--variant'],
    ['export', ['export', '/p/', '--apply'], '--apply'],
    ['diff', ['diff', '/a/', '/b/', '--delete'], '--delete'],
    ['sync', ['sync', '/a/', '/b/', '--format', 'env'], '--format'],
    ['history', ['history', '--ttl', '1s'], '--ttl'],
    ['rollback', ['rollback', '12', '--limit', '3'], '--limit'],
    ['lock', ['lock', 'name', '--apply', '--', 'true'], '--apply'],
    ['status', ['status', '-r'], '-r'],
    ['services ls', ['services', 'ls', '--prefix', '/x/'], '--prefix'],
    ['flags ls', ['flags', 'ls', '--prefix', '/f/', '--variant', 'dark'], '--variant'],
    ['flags eval', ['flags', 'eval', 'k', '--prefix', '/f/', '-m', 'why'], '-m'],
    ['flags enable', ['flags', 'enable', 'k', '--prefix', '/f/', '--context', '{}'], '--context'],
    ['gray ls', ['gray', 'ls', '--force'], '--force'],
    ['gray show', ['gray', 'show', 'g-1', '--namespace', 'config/shop/dev', '-m', 'why'], '-m'],
    ['gray pause', ['gray', 'pause', 'g-1', '--namespace', 'config/shop/dev', '--force'], '--force'],
    ['gray promote', ['gray', 'promote', 'g-1', '--namespace', 'config/shop/dev', '--steps', '10%'], '--steps'],
    ['diff', ['diff', '/a/', '/b/', '--gray', 'canary=true'], '--gray'],
    ['policy get', ['policy', 'get', 'config/shop/dev', '--require-approval', '1'], '--require-approval'],
    ['cr approve', ['cr', 'approve', '12', '--at', '2030-12-01T09:00Z'], '--at'],
    ['cr ls', ['cr', 'ls', '--prefix', '/p/'], '--prefix'],
    ['scheduler', ['scheduler', '--yes'], '--yes'],
  ])('dials %s refuses an option it does not take: exit 2, naming both', async (where, argv, option) => {
    const { code, stderr, stdout } = await dials(...argv);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain(`dials ${where}: unknown option ${option}\n`);
    expect(stderr).toContain(`Run 'dials ${where} --help'`);
    expect(stdout).toBe('');
  });

  it('cr, policy and scheduler refuse a bad argument before connecting (exit 2)', async () => {
    for (const [argv, message] of [
      [['cr'], 'missing subcommand'],
      [['cr', 'frob'], 'unknown subcommand frob'],
      [['cr', 'approve'], 'cr approve: missing ID'],
      [['cr', 'schedule', '12', '--namespace', 'config/shop/dev'], 'give --at TIME'],
      [['cr', 'schedule', '12', '--namespace', 'config/shop/dev', '--at', 'soon'], '--at is not a time'],
      [['cr', 'show', 'abc'], 'not a change request id'],
      [['policy', 'set', 'config/shop/dev'], 'needs --require-approval N'],
      [['policy', 'set', 'config/shop/dev', '--require-approval', 'two'], 'not a whole number'],
      [['policy', 'frob', 'config/shop/dev'], 'unknown subcommand frob'],
      [['scheduler', '--ttl', '500ms'], 'at least 1s'],
      [['scheduler', '--election', 'a/b'], 'without "/"'],
    ] as const) {
      const { code, stderr } = await dials(...argv, '--endpoints', '127.0.0.1:1', '--timeout', '200');
      expect(code, `${argv.join(' ')}: ${stderr}`).toBe(EXIT.usage);
      expect(stderr).toContain(message);
    }
  });

  it('says so in JSON with --json', async () => {
    const { code, stdout } = await dials('get', '/k', '--apply', '--json');
    expect(code).toBe(EXIT.usage);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'usage', message: 'unknown option --apply', command: 'get' } });
  });

  it('refuses a string option without its value and a boolean one with a value', async () => {
    expect((await dials('import', 'f.yaml', '--prefix')).stderr).toContain('dials import: option --prefix needs a value');
    expect((await dials('import', 'f.yaml', '--prefix', '/p/', '--apply=yes')).stderr).toContain(
      'dials import: option --apply takes no value',
    );
    // A negative number is a value (tested on etcd); anything else starting with '-' is an option.
    expect((await dials('set', '/k', '-1x')).stderr).toContain("a value starting with '-' goes after '--'");
  });

  it('every command takes the connection and output options', async () => {
    const common = ['--endpoints', 'h:1', '--user', 'u', '--password', 'p', '--cacert', 'a', '--cert', 'b', '--key', 'c'];
    const all = [...common, '--timeout', '5', '--json', '--show-secrets', '-h'];
    for (const entry of registry) {
      const parsed = parseCommand(entry.name, await entry.load(), ['x', ...all]);
      expect(Object.keys(parsed.values).sort()).toEqual(Object.keys(COMMON_OPTIONS).sort());
      expect(parsed.args).toEqual(['x']);
    }
  });

  it('finds the command after common options, and hands what follows -- over as arguments (or to lock)', async () => {
    expect(splitCommand(['--endpoints', 'h:1', '--json', 'get', '/k'])).toEqual({
      name: 'get',
      argv: ['--endpoints', 'h:1', '--json', '/k'],
    });
    expect(splitCommand(['--json'])).toEqual({ name: undefined, argv: ['--json'] });
    const set = await load('set');
    expect(parseCommand('set', set.command, ['/k', '--string', '--', '-1', '--ttl']).args).toEqual(['/k', '-1', '--ttl']);
    const lock = await load('lock');
    const parsed = parseCommand('lock', lock.command, ['deploy', '--wait', '5s', '--', 'sh', '-c', 'exit 7', '--apply']);
    expect(parsed).toMatchObject({ args: ['deploy'], rest: ['sh', '-c', 'exit 7', '--apply'], values: { wait: '5s' } });
  });

  it('types short aliases as their long option', async () => {
    const rm = await load('rm');
    expect(parseCommand('rm', rm.command, ['-r', '/p/', '-m', 'cleanup']).values).toMatchObject({ recursive: true, message: 'cleanup' });
    const get = await load('get');
    expect(() => parseCommand('get', get.command, ['/k', '-r'])).toThrow(new UsageError('unknown option -r', 'get'));
  });

  it('exits 2 for an unknown command and prints the overview without one', async () => {
    const unknown = await dials('frobnicate');
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
    const bare = await dials();
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.stdout).toContain('Commands:');
  });
});

describe('gray releases: usage errors before connecting', () => {
  it.each([
    [['set', '/k', '1', '--gray', 'canary'], '--gray takes labels as NAME=VALUE'],
    [['set', '/k', '1', '--gray', '=true'], '--gray takes labels as NAME=VALUE'],
    [['set', '/k', '1', '--gray', 'a=1,a=2'], '--gray names the label a twice'],
    [['set', '/k', '1', '--gray', 'a=1', '--ttl', '1m'], '--gray cannot go with --ttl'],
    [['set', '/k', '1', '--steps', '10%'], '--steps and --step-every go with --gray'],
    [['set', '/k', '1', '--gray', 'a=1', '--step-every', '1m'], '--step-every needs --steps'],
    [['set', '/k', '1', '--gray', 'a=1', '--steps', '50%,10%'], '--steps must grow'],
    [['set', '/k', '1', '--gray', 'a=1', '--steps', '0%,100%'], '--steps takes percentages over 0'],
    [['set', '/k', '1', '--gray', 'a=1', '--steps', '10%,101%'], '--steps takes percentages over 0'],
    [['set', '/k', '1', '--gray', 'a=1', '--steps', '10%', '--step-every', 'soon'], '--step-every'],
    [['import', 'f.yaml', '--prefix', '/p/', '--gray', 'a=1', '--delete'], '--gray cannot go with --delete'],
    [['sync', '/a/', '/b/', '--gray', 'a=1', '--delete'], '--gray cannot go with --delete'],
    [['import', 'f.json', '--prefix', '/p/', '--gray', 'a=1', '--flags'], '--gray cannot go with --flags'],
    [['gray'], 'missing subcommand'],
    [['gray', 'next'], 'unknown subcommand next'],
    [['gray', 'show'], 'missing ID'],
    [['gray', 'promote', 'g-1'], 'needs --namespace'],
  ])('dials %j: exit 2 (%s)', async (argv, message) => {
    const { code, stderr } = await dials(...argv, '--endpoints', '127.0.0.1:1');
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain(message);
  });
});

describe('per-command help', () => {
  it('lists each command’s own options with their help text, and its examples', async () => {
    for (const entry of registry) {
      const { command } = await load(entry.name);
      const { code, stdout } = await dials(entry.name, '--help');
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain(`Usage: ${command.usage}`);
      for (const [name, spec] of Object.entries(command.options)) {
        expect(stdout).toMatch(
          new RegExp(
            `--${name}${spec.arg ? ` ${spec.arg.replace(/[[\]]/g, '\\$&')}` : ''} +${spec.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
          ),
        );
      }
      for (const example of command.examples) expect(stdout).toContain(`  ${example}\n`);
      expect(stdout).toContain('--endpoints HOSTS');
    }
  });

  it('for a subcommand, lists only the options it takes', async () => {
    const ls = await dials('flags', 'ls', '--help');
    expect(ls.stdout).toContain('Usage: dials flags ls --prefix PREFIX');
    expect(ls.stdout).toContain('--prefix PREFIX');
    expect(ls.stdout).not.toContain('--variant');
    const set = await dials('flags', 'set', '--help');
    expect(set.stdout).toContain('--variant VARIANT');
    expect(set.stdout).not.toContain('--context');
    const { entry, command } = await load('flags');
    const whole = commandHelp(entry, command);
    for (const sub of ['ls', 'enable', 'disable', 'set', 'eval']) expect(whole).toContain(`dials flags ${sub}`);
  });
});
