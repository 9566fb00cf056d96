import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { serverSide } from '../examples/ofrep-server.js';
import { inTheBrowser } from '../examples/ofrep-web.js';
import { type OfrepFixture, serveOfrep } from './fixture.js';

// docs/ofrep.md's examples (copies of these files, `npm run docs:sync`), run against a real server.
const endpoint = inject('etcdEndpoint');
let f: OfrepFixture;
beforeAll(async () => {
  f = await serveOfrep(endpoint);
});
afterAll(async () => {
  await f?.close();
});

it('the server-side example gives what its comment says', async () => {
  expect(await serverSide(f.base, f.key)).toMatchObject({
    value: true,
    variant: 'on',
    reason: 'TARGETING_MATCH',
    flagMetadata: { owner: 'checkout', ticket: 42 },
  });
});

it('the web example gives what its comment says', async () => {
  expect(await inTheBrowser(f.base, f.key)).toBe('dark');
});

it('the Python example gives the flag, and its default without a valid key', async () => {
  const script = fileURLToPath(new URL('./example.py', import.meta.url));
  const run = (...args: string[]) =>
    new Promise<unknown>((resolve, reject) =>
      execFile('python3', [script, ...args], (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout)))),
    );
  expect(await run(f.base, f.key)).toBe(true);
  expect(await run(f.base, 'dk_bm9wZQ.not-a-key-of-anyone-at-all')).toBe(false);
});
