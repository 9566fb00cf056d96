import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memorySource } from '@dials/core';
import { createFlags } from '@dials/flags';
import { expect, it } from 'vitest';
import { fromFlagdFile } from './flags-flagd-file.js';
import { flagsQuickstart } from './flags-quickstart.js';
import { withOpenFeature } from './openfeature-provider.js';

it('the flags quick start gives what its comments say', async () => {
  const { staff, details, theme } = await flagsQuickstart();
  expect(staff).toBe(true);
  expect(details).toMatchObject({ flagKey: 'new-checkout', reason: 'TARGETING_MATCH' });
  expect(theme).toBe('light');
});

it('the flagd file example reads a flagd flag set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dials-example-'));
  const file = join(dir, 'flags.flagd.json');
  writeFileSync(file, JSON.stringify({ flags: { beta: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } }));
  const flags = await fromFlagdFile(file);
  expect(flags.isEnabled('beta')).toBe(true);
  await flags.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the OpenFeature example resolves through the SDK', async () => {
  const flag = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] },
  };
  const flags = createFlags({ source: memorySource({ initial: { '/f/new-checkout': flag } }), prefix: '/f/' });
  expect(await withOpenFeature(flags)).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
  await flags.close();
});
