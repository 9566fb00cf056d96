import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { etcdSource } from '@dials/core';
import { createRegistry, type RegistryEvent, type ServiceInstance } from '@dials/discovery';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: one test restarts it
});
afterAll(() => server.destroy());

const registry = () => createRegistry({ source: etcdSource({ endpoints: server.endpoint }) });
const ids = (list: ServiceInstance[]) => list.map((i) => i.id).sort();

describe('service registry', () => {
  it('registers, lists live instances with one watch, discovers once, and deregisters at once', async () => {
    const a = registry();
    const b = registry();
    const watcher = registry();
    const name = `checkout-${Date.now()}`;
    const ra = await a.register(name, { host: '10.0.0.1', port: 8080, meta: { zone: 'a' } }, { id: 'a', ttlMs: 5_000 });
    await b.register(name, { host: '10.0.0.2', port: 8080 }, { id: 'b', ttlMs: 5_000 });
    await until(watcher.instances$(name), (list) => list.length === 2);
    // A late subscriber's first list is the loaded one, not an empty placeholder.
    const late = registry();
    expect(ids(await firstValueFrom(late.instances$(name)))).toEqual(['a', 'b']);
    await late.close();
    expect((await watcher.discover(name)).find((i) => i.id === 'a')).toMatchObject({ host: '10.0.0.1', port: 8080, meta: { zone: 'a' } });
    await ra.deregister();
    await until(watcher.instances$(name), (list) => ids(list).join() === 'b');
    await Promise.all([a.close(), b.close(), watcher.close()]);
  });

  it('a registered process killed with SIGKILL disappears once its TTL runs out', async () => {
    const name = `killed-${Date.now()}`;
    const discovery = fileURLToPath(new URL('../../packages/discovery/dist/index.js', import.meta.url));
    const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
    const script = `import { etcdSource } from ${JSON.stringify(core)}; import { createRegistry } from ${JSON.stringify(discovery)};
      const registry = createRegistry({ source: etcdSource({ endpoints: process.env.ENDPOINT }) });
      await registry.register(${JSON.stringify(name)}, { host: '10.0.0.9', port: 1 }, { id: 'doomed', ttlMs: 1000 });
      console.log('registered');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ENDPOINT: server.endpoint },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('registered') && resolve()));
    const watcher = registry();
    await until(watcher.instances$(name), (list) => list.length === 1);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until(watcher.instances$(name), (list) => list.length === 0, 15_000);
    console.log(`discovery: a SIGKILLed instance (TTL 1 s) disappeared after ${Date.now() - killedAt} ms`);
    await watcher.close();
  });

  it('registers again by itself after etcd was down longer than the TTL', async () => {
    const r = registry();
    const name = `survivor-${Date.now()}`;
    const events: RegistryEvent[] = [];
    r.events$.subscribe((e) => events.push(e));
    await r.register(name, { host: '10.0.0.3', port: 80 }, { id: 's', ttlMs: 1_000 });
    const lost = until(r.events$, (e) => e.type === 'lost', 20_000);
    await server.stop();
    await lost;
    const back = until(r.events$, (e) => e.type === 'reregistered', 20_000);
    await server.start();
    await back;
    expect(events.map((e) => e.type)).toEqual(['registered', 'lost', 'reregistered']);
    expect(ids(await r.discover(name))).toEqual(['s']);
    await r.close();
  });
});

describe('duplicates', () => {
  it('refuses a second live instance with the same id; when the second process goes, the first is still there', async () => {
    const name = `dup-${Date.now()}`;
    const [first, second] = [registry(), registry()];
    await first.register(name, { host: '10.0.0.1', port: 80 }, { id: 'a' });
    await expect(second.register(name, { host: '10.0.0.2', port: 80 }, { id: 'a' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await second.close();
    expect(await first.discover(name)).toMatchObject([{ id: 'a', host: '10.0.0.1' }]);
    await first.close();
  });
});

describe('leader election', () => {
  it('never lets two candidates lead at once, and hands over on resign', async () => {
    const name = `leader-${Date.now()}`;
    const [x, y] = [registry(), registry()];
    const ex = x.elect(name, { value: 'x', ttlMs: 2_000 });
    const ey = y.elect(name, { value: 'y', ttlMs: 2_000 });
    const leaders: (string | undefined)[] = [];
    ey.leader$.subscribe((l) => leaders.push(l));
    await ex.campaign();
    let yElected = false;
    const yCampaign = ey.campaign().then(() => {
      yElected = true;
    });
    await until(ey.leader$, (l) => l === 'x');
    expect([ex.isLeader, ey.isLeader, yElected]).toEqual([true, false, false]);
    await ex.resign();
    await yCampaign;
    expect([ex.isLeader, ey.isLeader]).toEqual([false, true]);
    await until(ey.leader$, (l) => l === 'y');
    expect(leaders.filter((l) => l !== undefined)).toContain('x');
    await Promise.all([x.close(), y.close()]);
  });
});
