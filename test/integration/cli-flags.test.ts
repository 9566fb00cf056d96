import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { runDials, runEtcdctl, runJson } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);
const stored = async (key: string) => JSON.parse(await runEtcdctl(endpoint, 'get', key, '--print-value-only'));
const demoFlags = fileURLToPath(new URL('../../apps/demo/flags.flagd.json', import.meta.url));

describe('dials flags on the demo flag set (targeting with $ref to $evaluators)', () => {
  it("enable, set and disable a flag that uses $ref, checked with the namespace's $evaluators", async () => {
    const p = uniquePrefix('cli-flags');
    expect((await dials('import', demoFlags, '--prefix', p, '--apply')).code).toBe(0);
    const enabled = await dials('flags', 'enable', 'new-checkout', '--prefix', p);
    expect(enabled.stderr).toBe('');
    expect(enabled.code).toBe(0);
    expect((await stored(`${p}new-checkout`)).state).toBe('ENABLED');
    const staff = await json(
      'flags',
      'eval',
      'new-checkout',
      '--prefix',
      p,
      '--context',
      '{"targetingKey":"u1","email":"ana@example.com"}',
    );
    expect(staff.data).toMatchObject({ value: true, variant: 'on' });
    expect((await dials('flags', 'set', 'new-checkout', '--variant', 'on', '--prefix', p)).code).toBe(0);
    expect((await dials('flags', 'disable', 'new-checkout', '--prefix', p)).code).toBe(0);
    expect((await stored(`${p}new-checkout`)).state).toBe('DISABLED');
    // A $ref to no evaluator is refused as invalid data (exit 1), naming it.
    await runEtcdctl(endpoint, 'del', `${p}$evaluators`);
    const broken = await dials('flags', 'enable', 'new-checkout', '--prefix', p);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('staff');
    expect(broken.stderr).not.toContain("Run 'dials");
  });

  it('eval of a disabled or missing flag prints the reason instead of crashing', async () => {
    const p = uniquePrefix('cli-flags');
    expect((await dials('import', demoFlags, '--prefix', p, '--apply')).code).toBe(0);
    const disabled = await dials('flags', 'eval', 'new-checkout', '--prefix', p);
    expect(disabled.stderr).toBe('');
    expect(disabled.stdout).toContain('DISABLED');
    expect((await json('flags', 'eval', 'new-checkout', '--prefix', p)).data).toMatchObject({ reason: 'DISABLED' });
    const missing = await dials('flags', 'eval', 'no-such-flag', '--prefix', p);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('');
    expect(missing.stdout).toContain('FLAG_NOT_FOUND');
  });
});

describe('dials flags create and rollout', () => {
  it('creates from each template (DISABLED), refuses one that exists', async () => {
    const p = uniquePrefix('cli-flags');
    expect((await dials('flags', 'create', 'dark-mode', '--prefix', p)).code).toBe(0);
    expect(await stored(`${p}dark-mode`)).toEqual({ state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' });
    expect(
      (await dials('flags', 'create', 'theme', '--template', 'multi-variant', '--variants', 'light,dark,blue', '--prefix', p)).code,
    ).toBe(0);
    expect(await stored(`${p}theme`)).toEqual({
      state: 'DISABLED',
      variants: { light: 'light', dark: 'dark', blue: 'blue' },
      defaultVariant: 'light',
    });
    expect((await dials('flags', 'create', 'ranking', '--template', 'rollout', '--percent', '5', '--prefix', p)).code).toBe(0);
    expect((await stored(`${p}ranking`)).targeting).toEqual({
      fractional: [
        ['on', 5],
        ['off', 95],
      ],
    });
    const again = await dials('flags', 'create', 'dark-mode', '--prefix', p);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect((await dials('flags', 'create', 'x', '--template', 'nope', '--prefix', p)).code).toBe(2);
    expect((await dials('flags', 'create', 'x', '--template', 'multi-variant', '--prefix', p)).code).toBe(2);
  });

  it("rollout rewrites the weights of the flag's fractional rule, refusing variants it does not have", async () => {
    const p = uniquePrefix('cli-flags');
    expect((await dials('import', demoFlags, '--prefix', p, '--apply')).code).toBe(0);
    expect((await dials('flags', 'rollout', 'new-checkout', 'on=50,off=50', '--prefix', p)).code).toBe(0);
    expect((await stored(`${p}new-checkout`)).targeting).toEqual({
      if: [
        { $ref: 'staff' },
        'on',
        {
          fractional: [
            ['on', 50],
            ['off', 50],
          ],
        },
      ],
    });
    const unknown = await dials('flags', 'rollout', 'new-checkout', 'on=50,purple=50', '--prefix', p);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('purple');
    expect((await dials('flags', 'rollout', 'new-checkout', 'on=fifty', '--prefix', p)).code).toBe(2);
    expect((await dials('flags', 'create', 'plain', '--prefix', p)).code).toBe(0);
    const none = await dials('flags', 'rollout', 'plain', 'on=1,off=1', '--prefix', p);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no fractional rule');
  });
});

describe('dials import of a hostile flag set', () => {
  const acc = { var: 'accumulator' };
  const steps = Array.from({ length: 27 }, (_, i) => i);
  // Doubles 27 times: 2²⁷ characters, folded while compiling. It took seconds to check, then was written.
  const bomb = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ in: ['y', { reduce: [steps, { cat: [acc, acc] }, 'x'] }] }, 'on', 'off'] },
  };

  it('refuses a flag whose reduce doubles its accumulator before writing anything, naming the flag and the limit', async () => {
    const p = uniquePrefix('cli-flags');
    const dir = mkdtempSync(join(tmpdir(), 'dials-cli-flags-'));
    try {
      const file = join(dir, 'hostile.flagd.json');
      writeFileSync(file, JSON.stringify({ flags: { good: { ...bomb, targeting: undefined }, bomb } }));
      const started = Date.now();
      const run = await dials('import', file, '--prefix', p, '--apply');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('bomb');
      expect(run.stderr).toContain('limit maxCost');
      expect(Date.now() - started).toBeLessThan(20_000);
      // Not even the good flag of the same file was written.
      expect(await runEtcdctl(endpoint, 'get', p, '--prefix', '--keys-only')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
