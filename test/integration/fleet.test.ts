import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDials, type Dials, etcdSource, fleetStatus } from '@dials/core';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  etcd.close();
});

/** A process that follows `prefix` as app `app` and reports, until killed. */
function instanceProcess(prefix: string, id: string): Promise<ChildProcess> {
  const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
  const script = `import { createDials, etcdSource } from ${JSON.stringify(core)};
    const dials = createDials({ source: etcdSource({ endpoints: process.env.ENDPOINT }), prefix: process.env.PREFIX, app: 'worker', instanceId: process.env.ID, reportTtlMs: 1000 });
    await dials.ready();
    console.log('ready');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ENDPOINT: endpoint, PREFIX: prefix, ID: id },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child)));
}

describe('fleet awareness against etcd', () => {
  it('20 instances report; one killed vanishes with its lease; a value half of them refuse is listed with them, and goes when fixed', async () => {
    const prefix = uniquePrefix('fleet');
    const namespace = prefix.slice(1, -1);
    await etcd.put(`${prefix}port`).value('5432');
    const source = etcdSource({ endpoints: endpoint });
    const clients: Pick<Dials, 'ready' | 'close'>[] = [];
    for (let i = 0; i < 18; i++) {
      const strict = i % 2 === 0;
      clients.push(
        createDials({
          source,
          prefix,
          app: strict ? 'strict' : 'lenient',
          instanceId: `c${i}`,
          labels: { zone: strict ? 'eu-1' : 'us-1' },
          schema: { port: strict ? z.coerce.number().int().max(1000) : z.coerce.number().int() },
        }),
      );
    }
    await Promise.all(clients.map((c) => c.ready()));
    const [doomed] = await Promise.all([instanceProcess(prefix, 'p-doomed'), instanceProcess(prefix, 'p-stays')]);
    await vi.waitFor(async () => expect((await fleetStatus(source, namespace)).instances).toHaveLength(20), { timeout: 10_000 });

    let fleet = await fleetStatus(source, namespace);
    expect(fleet.refused).toHaveLength(1);
    expect(fleet.refused[0]).toMatchObject({ key: `${prefix}port`, apps: ['strict'] });
    expect([...(fleet.refused[0]?.instances ?? [])].sort()).toEqual(['c0', 'c10', 'c12', 'c14', 'c16', 'c2', 'c4', 'c6', 'c8']);

    doomed.kill('SIGKILL');
    await vi.waitFor(async () => expect((await fleetStatus(source, namespace)).instances.map((i) => i.id)).not.toContain('p-doomed'), {
      timeout: 10_000,
      interval: 100,
    });

    await etcd.put(`${prefix}port`).value('800'); // as etcdctl would: not checked, but the instances now accept it
    await vi.waitFor(async () => expect((await fleetStatus(source, namespace)).refused).toEqual([]), { timeout: 10_000 });
    fleet = await fleetStatus(source, namespace);
    expect(fleet.lagging).toEqual([]);
    await Promise.all(clients.map((c) => c.close()));
    await source.close();
  }, 60_000);

  it('an etcdctl write is not blocked, but shows as refused by the instances', async () => {
    const prefix = uniquePrefix('fleet');
    await etcd.put(`${prefix}level`).value('info');
    const dials = createDials({
      source: etcdSource({ endpoints: endpoint }),
      prefix,
      app: 'shop',
      schema: { level: z.enum(['info', 'debug']) },
    });
    await dials.ready();
    await etcd.put(`${prefix}level`).value('loud');
    await vi.waitFor(async () =>
      expect((await fleetStatus(dials.source, prefix.slice(1, -1))).refused).toMatchObject([
        { path: 'level', raw: 'loud', apps: ['shop'] },
      ]),
    );
    expect(dials.get('level')).toBe('info');
    await dials.close();
  });
});
