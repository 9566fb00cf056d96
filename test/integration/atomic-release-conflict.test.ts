import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { runDials } from '../helpers/cli.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// Two releases of many transactions never interleave in one namespace: while one is marked in
// progress (as its writer marks it, on a lease), a second is refused whole, on a real etcd.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
const dir = mkdtempSync(join(tmpdir(), 'dials-interleave-'));
afterAll(() => {
  etcd.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a large import while another release is being written in the namespace is refused (exit 3), nothing written; once it is done, it goes through', async () => {
  const prefix = uniquePrefix('cli-interleave');
  const namespace = prefix.slice(1, -1);
  const file = join(dir, 'big.json');
  writeFileSync(file, JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]))));
  // Another writer's release, half written: its mark stands on its lease.
  const lease = etcd.lease(30);
  const mark = { release: 'pending-other', namespace, author: 'ana', at: new Date().toISOString(), changes: 500, transactions: 4 };
  await lease.put(`/dials/in-progress/${namespace}`).value(JSON.stringify(mark));
  const state = async () => ({
    keys: await etcd.getAll().prefix(prefix).keys(),
    records: await etcd.getAll().prefix(`/dials/releases/${namespace}/`).keys(),
  });
  const before = await state();

  const refused = await runDials(endpoint, ['import', file, '--prefix', prefix, '--namespace', namespace, '--apply']);
  expect(refused.code, refused.stderr).toBe(3); // CONFLICT
  expect(refused.stderr).toContain(`Release pending-other by ana is being written in ${namespace}`);
  expect(refused.stderr).toContain('Nothing was written');
  expect(await state()).toEqual(before);

  await lease.revoke(); // the other writer is done: its mark goes with its lease
  const done = await runDials(endpoint, ['import', file, '--prefix', prefix, '--namespace', namespace, '--apply']);
  expect(done.code, done.stderr).toBe(0);
  expect(await etcd.getAll().prefix(prefix).keys()).toHaveLength(300);
  expect(await etcd.get(`/dials/in-progress/${namespace}`).string()).toBeNull(); // its own mark is cleared
});
