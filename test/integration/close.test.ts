import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, inject, it } from 'vitest';
import { uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));

// A separate process, using the built package as an application would: after close() nothing
// (watch, stream, timer, lease, file watcher) may keep it alive.
const script = `
import { createDials, etcdSource, fileSource, memorySource } from ${JSON.stringify(core)};
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
const prefix = process.env.PREFIX;
const source = etcdSource({ endpoints: process.env.ENDPOINT });
await source.put(prefix + 'temporary', '"x"', { ttlMs: 60000 });
const dials = createDials({ source, layers: [prefix + 'a/', prefix + 'b/'], cacheTtlMs: 1000, snapshotFile: join(mkdtempSync(join(tmpdir(), 'd-')), 's.json') });
await dials.ready();
dials.value$('x').subscribe(() => {});
dials.config$.subscribe(() => {});
await dials.fetch(prefix + 'temporary');
await source.put(prefix + 'a/x', '1');
const file = join(mkdtempSync(join(tmpdir(), 'd-')), 'c.yaml');
writeFileSync(file, 'a: 1\\n');
const fromFile = createDials({ source: fileSource(file), prefix: '' });
await fromFile.ready();
const fromMemory = createDials({ source: memorySource({ initial: { k: 1 } }), prefix: '' });
await fromMemory.ready();
await Promise.all([dials.close(), fromFile.close(), fromMemory.close()]);
console.log('closed');
`;

it('close() ends every watch, stream, lease and timer: the process exits by itself', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ENDPOINT: endpoint, PREFIX: uniquePrefix('close') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  expect(out).toContain('closed');
  expect(code).toBe(0); // killed after 10 s would be null
});
