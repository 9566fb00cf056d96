import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ChangeSet, createDials, type DialsError, etcdSource } from '@dials/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { compact, rawClient, uniquePrefix } from '../helpers/keys.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: compaction, and leases timed by this file
});
afterAll(() => server.destroy());

async function open(prefix: string, options: { layers?: string[] } = {}) {
  const dials = createDials({
    source: etcdSource({ endpoints: server.endpoint }),
    ...(options.layers ? { layers: options.layers } : { prefix }),
    schema: { 'database/port': z.coerce.number().int().min(1).max(65535), 'logging/level': z.enum(['debug', 'info', 'warn']) },
  });
  await dials.ready();
  return dials;
}

describe('publish', () => {
  it('writes up to 128 changes as one revision, and records a release with before and after', async () => {
    const prefix = uniquePrefix('pub');
    const dials = await open(prefix);
    await dials.publish({ 'k/0': 'old' });
    await until(dials.value$('k/0'), (v) => v === 'old');
    const sets: ChangeSet[] = [];
    dials.changes$.subscribe((s) => sets.push(s));
    const changes = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`k/${i}`, i]));
    const release = await dials.publish(changes, { message: 'bulk', author: 'ana' });
    await until(dials.value$('k/127'), (v) => v === 127);
    expect(sets).toHaveLength(1);
    expect(sets[0]?.changes).toHaveLength(128);
    expect(release).toMatchObject({ message: 'bulk', author: 'ana', revision: sets[0]?.revision });
    expect(release.changes[0]).toEqual({ key: `${prefix}k/0`, before: '"old"', after: '0' });
    await dials.close();
  });

  it('with record: false, writes the values and leaves no release behind', async () => {
    const prefix = uniquePrefix('pub');
    const dials = await open(prefix);
    const recorded = await dials.publish({ mode: 'a' }, { message: 'recorded' });
    const unrecorded = await dials.publish({ mode: 'b' }, { message: 'not recorded', record: false });
    await until(dials.value$('mode'), (v) => v === 'b');
    expect(unrecorded.revision).toBeGreaterThan(recorded.revision);
    expect((await dials.history()).map((r) => r.message)).toEqual(['recorded']);
    await dials.close();
  });

  it('splits larger publishes into transactions of at most 128 operations', async () => {
    const prefix = uniquePrefix('pub');
    const dials = await open(prefix);
    const progress: number[] = [];
    const changes = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k/${i}`, i]));
    await dials.publish(changes, { onProgress: (written) => progress.push(written) });
    expect(progress).toEqual([128, 256, 300]);
    await until(dials.value$('k/299'), (v) => v === 299);
    expect(Object.keys(dials.snapshot.values)).toHaveLength(300);
    await dials.close();
  });

  it('with expectRevision, writes nothing when the prefix moved and says which key and the revision', async () => {
    const prefix = uniquePrefix('pub');
    const dials = await open(prefix);
    const { revision: seen } = await dials.publish({ 'database/port': 5432 });
    const etcd = rawClient(server.endpoint);
    const other = await etcd.put(`${prefix}database/host`).value('"db-2"').exec();
    const error = (await dials.publish({ 'database/port': 6543 }, { expectRevision: seen }).catch((e: unknown) => e)) as DialsError;
    expect(error.code).toBe('CONFLICT');
    expect(error.key).toBe(`${prefix}database/host`);
    expect(error.revision).toBe(Number(other.header.revision));
    expect(await etcd.get(`${prefix}database/port`).string()).toBe('5432');
    await dials.publish({ 'database/port': 6543 }, { expectRevision: Number(other.header.revision) });
    expect(await etcd.get(`${prefix}database/port`).string()).toBe('6543');
    etcd.close();
    await dials.close();
  });

  it('refuses a value that fails its schema before writing anything', async () => {
    const prefix = uniquePrefix('pub');
    const dials = await open(prefix);
    await expect(dials.publish({ 'logging/level': 'info', 'database/port': 99_999 })).rejects.toMatchObject({
      code: 'INVALID_VALUE',
      key: `${prefix}database/port`,
    });
    const etcd = rawClient(server.endpoint);
    expect(await etcd.get(`${prefix}logging/level`).string()).toBeNull();
    etcd.close();
    await dials.close();
  });

  it('history lists releases, rollback publishes the inverse, and history survives compaction', async () => {
    const prefix = uniquePrefix('pub');
    const dials = await open(prefix);
    await dials.publish({ 'logging/level': 'info', 'database/port': 5432, 'old/flag': 'x' }, { message: 'first' });
    // database/port is required by this app's (registered) schema: deleting it would be refused.
    const second = await dials.publish({ 'logging/level': 'debug', 'old/flag': undefined, 'new/key': true }, { message: 'second' });
    await until(dials.value$('new/key'), (v) => v === true);
    const etcd = rawClient(server.endpoint);
    await compact(etcd);
    const history = await dials.history();
    expect(history.map((r) => r.message)).toEqual(['second', 'first']);
    const undo = await dials.rollback(history[0]?.id as string);
    expect(undo.rollbackOf).toBe(second.id);
    await until(dials.value$('new/key'), (v) => v === undefined);
    expect(dials.get('logging/level')).toBe('info');
    expect(dials.get('old/flag')).toBe('x');
    expect((await dials.history()).map((r) => r.message)).toEqual([`rollback of ${second.id} (second)`, 'second', 'first']);
    etcd.close();
    await dials.close();
  });

  it('a temporary override (ttlMs) disappears by itself and the layer underneath shows through', async () => {
    const base = uniquePrefix('pub');
    const prod = `${base}production/`;
    const dials = await open('', { layers: [`${base}base/`, prod] });
    await dials.publish({ 'logging/level': 'info' }, { prefix: `${base}base/` });
    await until(dials.value$('logging/level'), (v) => v === 'info');
    await dials.publish({ 'logging/level': 'debug' }, { ttlMs: 1_000, message: 'debug for a second' });
    await until(dials.value$('logging/level'), (v) => v === 'debug');
    await until(dials.value$('logging/level'), (v) => v === 'info', 15_000); // the lease expired
    await dials.close();
  });
});

describe('withLock', () => {
  it('serialises holders, releases when the function throws, and times out while held', async () => {
    const dials = await open(uniquePrefix('lock'));
    const log: string[] = [];
    const work = (name: string) =>
      dials.withLock('deploy', async () => {
        log.push(`${name}:in`);
        await new Promise((r) => setTimeout(r, 50));
        log.push(`${name}:out`);
      });
    await Promise.all([work('a'), work('b')]);
    expect([log.slice(0, 2), log.slice(2, 4)].map((pair) => pair.map((e) => e.split(':')[1]))).toEqual([
      ['in', 'out'],
      ['in', 'out'],
    ]);
    await expect(dials.withLock('deploy', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await dials.withLock('deploy', () => 'free again', { waitMs: 100 })).toBe('free again');
    let release: () => void = () => {};
    let acquired: () => void = () => {};
    const inside = new Promise<void>((r) => (acquired = r));
    const holding = dials.withLock('deploy', () => {
      acquired();
      return new Promise<void>((r) => (release = r));
    });
    await inside;
    await expect(dials.withLock('deploy', () => 'never', { waitMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    release();
    await holding;
    await dials.close();
  });

  it('frees the lock of a holder that was killed once its lease expires', async () => {
    const core = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
    const script = `import { etcdSource, withLock } from ${JSON.stringify(core)};
      const source = etcdSource({ endpoints: process.env.ENDPOINT });
      await withLock(source, 'crashy', () => { console.log('holding'); return new Promise(() => {}); }, { ttlMs: 1000 });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ENDPOINT: server.endpoint },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('holding') && resolve()));
    child.kill('SIGKILL');
    const dials = await open(uniquePrefix('lock'));
    expect(await dials.withLock('crashy', () => 'taken over', { waitMs: 15_000 })).toBe('taken over');
    await dials.close();
  });
});

describe('withLock when the lease is lost', () => {
  it("aborts the holder's signal, lets the next holder in with a larger fencing token", async () => {
    const etcd = rawClient(server.endpoint);
    const dials = await open(uniquePrefix('lock'));
    const other = await open(uniquePrefix('lock'));
    let secondToken = 0;
    const first = await dials.withLock(
      'paused',
      async ({ signal, fencingToken }) => {
        const held = await etcd.get('/locks/paused').exec();
        // As if this holder paused past its TTL: etcd forgets the lease.
        await etcd.leaseClient.leaseRevoke({ ID: held.kvs[0]?.lease as string });
        const reason = await new Promise<unknown>((resolve) =>
          signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
        );
        secondToken = await other.withLock('paused', ({ fencingToken: token }) => token, { waitMs: 5_000 });
        return { fencingToken, reason };
      },
      { ttlMs: 5_000 },
    );
    expect(first.reason).toMatchObject({ code: 'UNAVAILABLE' });
    expect(secondToken).toBeGreaterThan(first.fencingToken);
    await Promise.all([dials.close(), other.close()]);
    etcd.close();
  });
});

describe('clusterStatus', () => {
  it('reports members, leader, health, version, db size and raft position', async () => {
    const dials = await open(uniquePrefix('status'));
    const status = await dials.clusterStatus();
    expect(status.members).toHaveLength(1);
    const [member] = status.members;
    expect(member).toMatchObject({ name: 'n1', healthy: true, isLeader: true, version: expect.stringMatching(/^3\.4\./) });
    expect(member?.clientURLs).toEqual([server.url]);
    expect(member?.raftIndex).toBeGreaterThan(0);
    expect(status.leader).toBe(member?.id);
    expect(status.alarms).toEqual([]);
    await dials.close();
  });
});
