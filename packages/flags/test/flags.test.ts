import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DialsError, memorySource } from '@dials/core';
import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createFlags, type FlagDefinition, type FlagsChange, flagdFileSource } from '../src/index.js';

const checkout: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] },
};
const json = (value: unknown) => JSON.stringify(value);

async function flagsWith(initial: Record<string, unknown>) {
  const source = memorySource({ initial: Object.fromEntries(Object.entries(initial).map(([k, v]) => [`/flags/${k}`, json(v)])) });
  const flags = createFlags<{ 'new-checkout': boolean; theme: string; limits: number; allow: boolean; deep: boolean; wide: boolean }>({
    source,
    prefix: '/flags/',
  });
  await flags.ready();
  return { source, flags };
}

describe('createFlags', () => {
  it('evaluates with reasons, variants and typed defaults', async () => {
    const { flags } = await flagsWith({
      'new-checkout': checkout,
      theme: { state: 'ENABLED', variants: { light: 'light', dark: 'dark' }, defaultVariant: 'light', metadata: { owner: 'web' } },
      limits: { state: 'DISABLED', variants: { low: 10 }, defaultVariant: 'low' },
    });
    expect(flags.isEnabled('new-checkout', { email: 'a@example.com' })).toBe(true);
    expect(flags.isEnabled('new-checkout', { email: 'a@other.org' })).toBe(false);
    expect(flags.evaluate('new-checkout', { email: 'a@example.com' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    expect(flags.evaluate('theme')).toEqual({
      flagKey: 'theme',
      value: 'light',
      variant: 'light',
      reason: 'STATIC',
      flagMetadata: { owner: 'web' },
    });
    expect(flags.evaluate('limits')).toMatchObject({ value: undefined, reason: 'DISABLED' });
    expect(flags.getValue('limits', 5)).toBe(5);
    expect(flags.getValue('theme', 'fallback')).toBe('light');
    expect(flags.resolve('theme', 3)).toMatchObject({ value: 3, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(flags.evaluate('nope' as 'theme')).toMatchObject({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    // @ts-expect-error a typo in a declared flag key does not compile
    flags.isEnabled('new-chekout');
    // @ts-expect-error theme is not a boolean flag
    flags.isEnabled('theme');
    await flags.close();
  });

  it('follows changes: value$ per context, changes$ per revision', async () => {
    const { source, flags } = await flagsWith({ 'new-checkout': checkout });
    const seen: unknown[] = [];
    flags.value$('new-checkout', { email: 'b@other.org' }).subscribe((v) => seen.push(v));
    const changes: FlagsChange[] = [];
    flags.changes$.subscribe((c) => changes.push(c));
    await source.put(
      '/flags/new-checkout',
      json({ ...checkout, targeting: { if: [{ ends_with: [{ var: 'email' }, '.org'] }, 'on', 'off'] } }),
    );
    await source.put('/flags/new-checkout', json({ ...checkout, state: 'DISABLED' }));
    expect(seen).toEqual([false, true, undefined]); // disabled: no value, the caller's default applies
    expect(changes.map((c) => c.flagsChanged)).toEqual([['new-checkout'], ['new-checkout']]);
    await source.delete('/flags/new-checkout');
    expect(flags.evaluate('new-checkout')).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    await flags.close();
  });

  it('keeps the last good version of a flag whose new document is broken; the others keep working', async () => {
    const { source, flags } = await flagsWith({
      'new-checkout': checkout,
      theme: { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' },
    });
    const errors: DialsError[] = [];
    flags.errors$.subscribe((e) => errors.push(e));
    await source.put('/flags/new-checkout', '{"state": "ENABLED", "variants": ');
    await source.put('/flags/new-checkout', json({ ...checkout, targeting: { regex_match: [{ var: 'email' }, '.*'] } }));
    await source.put('/flags/new-checkout', json({ ...checkout, defaultVariant: 'missing' }));
    expect(errors.map((e) => e.code)).toEqual(['PARSE_ERROR', 'PARSE_ERROR', 'PARSE_ERROR']);
    expect(errors[1]?.message).toContain('regex_match');
    expect(errors[0]?.key).toBe('/flags/new-checkout');
    expect(flags.isEnabled('new-checkout', { email: 'a@example.com' })).toBe(true);
    expect(flags.evaluate('theme').value).toBe('a');
    // A new flag that is broken from the start evaluates to PARSE_ERROR.
    await source.put('/flags/broken', json({ state: 'ON', variants: {} }));
    expect(flags.evaluate('broken')).toMatchObject({ reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    await flags.close();
  });

  it('refuses hostile targeting at compile time: 10 000 levels deep, oversized, huge lists stay fast', async () => {
    // Built as text: even JSON.stringify overflows the stack on a tree this deep.
    const deep = `{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off","targeting":${'{"!":['.repeat(10_000)}true${']}'.repeat(10_000)}}`;
    const wide = { or: Array.from({ length: 20_000 }, () => ({ '==': [1, 1] })) };
    const list = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    const { source, flags } = await flagsWith({
      wide: { ...checkout, targeting: wide },
      allow: { ...checkout, targeting: { if: [{ in: [{ var: 'targetingKey' }, list] }, 'on', 'off'] } },
    });
    await source.put('/flags/deep', deep);
    expect(flags.evaluate('deep')).toMatchObject({ errorCode: 'PARSE_ERROR' });
    expect(flags.evaluate('wide')).toMatchObject({ errorCode: 'PARSE_ERROR' });
    expect(flags.isEnabled('allow', { targetingKey: 'user-99999' })).toBe(true);
    expect(flags.isEnabled('allow', { targetingKey: 'user-100000' })).toBe(false);
    await flags.close();
  });

  it('recompiles every flag when the shared $evaluators change', async () => {
    const { source, flags } = await flagsWith({
      $evaluators: { staff: { ends_with: [{ var: 'email' }, '@example.com'] } },
      'new-checkout': { ...checkout, targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] } },
    });
    expect(flags.isEnabled('new-checkout', { email: 'x@corp.io' })).toBe(false);
    const changed = firstValueFrom(flags.changes$);
    await source.put('/flags/$evaluators', json({ staff: { ends_with: [{ var: 'email' }, '@corp.io'] } }));
    expect((await changed).flagsChanged).toEqual(['new-checkout']);
    expect(flags.isEnabled('new-checkout', { email: 'x@corp.io' })).toBe(true);
    expect(flags.keys()).toEqual(['new-checkout']);
    await flags.close();
  });
});

describe('flagdFileSource', () => {
  it('reads a flagd flag-set file, with set metadata and $evaluators, and follows edits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dials-flagd-'));
    const file = join(dir, 'flags.flagd.json');
    const set = (domain: string) => ({
      metadata: { team: 'shop' },
      $evaluators: { staff: { ends_with: [{ var: 'email' }, domain] } },
      flags: { 'new-checkout': { ...checkout, targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] }, metadata: { owner: 'web' } } },
    });
    writeFileSync(file, json(set('@example.com')));
    const flags = createFlags({ source: flagdFileSource(file), prefix: '' });
    await flags.ready();
    expect(flags.evaluate('new-checkout', { email: 'a@example.com' })).toMatchObject({
      value: true,
      flagMetadata: { team: 'shop', owner: 'web' },
    });
    const updated = firstValueFrom(flags.value$('new-checkout', { email: 'a@corp.io' }).pipe(filter((v) => v === true)));
    writeFileSync(file, json(set('@corp.io')));
    await updated;
    await flags.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
