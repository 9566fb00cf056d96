import { DialsError, fileSource, memorySource, type Source } from '@dials/core';
import { filter, firstValueFrom, type Observable, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createRegistry, type RegistryEvent } from '../src/index.js';

const until = <T>(source$: Observable<T>, predicate: (value: T) => boolean) =>
  firstValueFrom(source$.pipe(filter(predicate), timeout(5_000)));

describe('the registry on the memory source', () => {
  it('registers, lists live instances, discovers once and deregisters', async () => {
    const source = memorySource();
    const registry = createRegistry({ source });
    const a = await registry.register('checkout', { host: '10.0.0.1', port: 80 }, { id: 'a' });
    await registry.register('checkout', { host: '10.0.0.2', port: 80 }, { id: 'b' });
    await until(registry.instances$('checkout'), (list) => list.length === 2);
    expect((await registry.discover('checkout')).map((i) => i.id).sort()).toEqual(['a', 'b']);
    await a.deregister();
    await until(registry.instances$('checkout'), (list) => list.map((i) => i.id).join() === 'b');
    await registry.close();
  });

  it('registers again when its lease is lost, and says so', async () => {
    const source = memorySource();
    const registry = createRegistry({ source });
    const events: RegistryEvent['type'][] = [];
    registry.events$.subscribe((e) => events.push(e.type));
    const me = await registry.register('svc', { host: 'h', port: 1 }, { id: 'me' });
    const lease = (await source.get(me.key))?.lease as string;
    const back = until(registry.events$, (e) => e.type === 'reregistered');
    await source.leases!.revoke(lease);
    await back;
    expect(events).toEqual(['registered', 'lost', 'reregistered']);
    expect((await source.get(me.key))?.lease).not.toBe(lease);
    await registry.close();
  });

  it('refuses a second live instance with the same id, and the first stays', async () => {
    const source = memorySource();
    const [a, b] = [createRegistry({ source }), createRegistry({ source })];
    const first = await a.register('svc', { host: 'h1', port: 1 }, { id: 'same' });
    await expect(b.register('svc', { host: 'h2', port: 2 }, { id: 'same' })).rejects.toMatchObject({ code: 'CONFLICT', key: first.key });
    await b.close();
    expect(await a.discover('svc')).toMatchObject([{ id: 'same', host: 'h1' }]);
    await a.close();
  });

  it('refuses names and ids with a slash', async () => {
    const registry = createRegistry({ source: memorySource() });
    await expect(registry.register('checkout/shadow', { host: 'h', port: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(registry.register('checkout', { host: 'h', port: 1 }, { id: 'a/b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => registry.instances$('a/b')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await registry.close();
  });

  it('needs leases: a file source is refused with UNSUPPORTED', () => {
    expect(() => createRegistry({ source: fileSource('/nowhere.yaml') })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});

describe('leader election on the memory source', () => {
  it('lets one candidate lead at a time and hands over on resign', async () => {
    const registry = createRegistry({ source: memorySource() });
    const x = registry.elect('scheduler', { value: 'x' });
    const y = registry.elect('scheduler', { value: 'y' });
    await x.campaign();
    let yLeads = false;
    const yCampaign = y.campaign().then(() => {
      yLeads = true;
    });
    await until(y.leader$, (leader) => leader === 'x');
    expect([x.isLeader, y.isLeader, yLeads]).toEqual([true, false, false]);
    await x.resign();
    await yCampaign;
    expect([x.isLeader, y.isLeader]).toEqual([false, true]);
    await registry.close();
  });

  it('reports a lost lease on errors$ and stops leading', async () => {
    const source = memorySource();
    const registry = createRegistry({ source });
    const x = registry.elect('job', { value: 'x' });
    await x.campaign();
    const candidates = await source.list('/elections/job/');
    const lost = until(x.errors$, () => true);
    await source.leases!.revoke(candidates.kvs[0]?.lease as string);
    expect((await lost).message).toContain('lost');
    expect(x.isLeader).toBe(false);
    await registry.close();
  });

  it("passes its watch's errors to errors$, naming the election's prefix", async () => {
    const memory = memorySource();
    // A source whose watch fails once it has started (as etcd does on a revoked grant).
    let fail: ((error: Error) => void) | undefined;
    const source: Source = {
      ...memory,
      watch: (prefix, listener) => {
        fail = (error) => listener.error(error);
        return memory.watch(prefix, listener);
      },
    };
    const registry = createRegistry({ source });
    const x = registry.elect('job', { value: 'x' });
    await x.campaign();
    const reported = until(x.errors$, () => true);
    fail?.(new DialsError('PERMISSION_DENIED', 'etcdserver: permission denied'));
    expect(await reported).toMatchObject({ code: 'PERMISSION_DENIED', key: '/elections/job/' });
    await registry.close();
  });

  it('refuses a name with a slash', () => {
    const registry = createRegistry({ source: memorySource() });
    expect(() => registry.elect('a/b')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
