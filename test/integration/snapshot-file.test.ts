import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDials, type DialsError, etcdSource } from '@dials/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

/** The revision the snapshot file was written at (0 before it exists). */
function fileRevision(file: string): number {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { revision: number }).revision;
  } catch {
    return 0;
  }
}

let server: EtcdServer;
let dir: string;
beforeAll(async () => {
  server = await EtcdServer.start(); // its own etcd: these tests stop it
  dir = mkdtempSync(join(tmpdir(), 'dials-snapshot-'));
});
afterAll(async () => {
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('last known good snapshot file', () => {
  it("takes a file's revision as a hint only: after a read, Dials has etcd's revision, so compare-and-set holds", async () => {
    const prefix = uniquePrefix('snap');
    const file = join(dir, 'ahead.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'dials-snapshot/1', source: 'x', revision: 1e15, writtenAt: '', layers: { [prefix]: { a: '1' } } }),
    );
    const etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}a`).value('2');
    // No report: its writes would move the store's revision past the prefix's.
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, snapshotFile: file, report: false });
    await dials.ready();
    await until(dials.status$, (s) => s === 'ready');
    const etcdRevision = Number((await etcd.get(`${prefix}a`).exec()).header.revision);
    expect(dials.revision).toBe(etcdRevision);
    const seen = dials.revision;
    await etcd.put(`${prefix}a`).value('3'); // a concurrent writer
    await expect(dials.publish({ a: 4 }, { expectRevision: seen })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await etcd.get(`${prefix}a`).string()).toBe('3');
    await dials.close();

    writeFileSync(
      file,
      `{"format":"dials-snapshot/1","source":"x","revision":1e400,"writtenAt":"","layers":{${JSON.stringify(prefix)}:{}}}`,
    );
    const errors: DialsError[] = [];
    const again = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, snapshotFile: file });
    again.errors$.subscribe((e) => errors.push(e));
    await again.ready();
    expect(errors.map((e) => e.code)).toContain('SNAPSHOT');
    expect(again.revision).toBeLessThan(1e15);
    await again.close();
    etcd.close();
  });

  it('starts from the file while etcd is down, reports stale, and catches up when etcd is back', async () => {
    const prefix = uniquePrefix('snap');
    const file = join(dir, 'nested', 'shop.json');
    const etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}database/host`).value('"db-1"');
    await etcd.put(`${prefix}removed/later`).value('"x"');
    const first = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, snapshotFile: file });
    await first.ready();
    await first.close(); // writes the file
    expect(JSON.parse(readFileSync(file, 'utf8')).layers[prefix]).toEqual({ 'database/host': '"db-1"', 'removed/later': '"x"' });

    await etcd.put(`${prefix}database/host`).value('"db-2"');
    await etcd.delete().key(`${prefix}removed/later`);
    etcd.close();
    await server.stop();

    const second = createDials({
      source: etcdSource({ endpoints: server.endpoint, startupTimeoutMs: 300 }),
      prefix,
      snapshotFile: file,
    });
    await second.ready();
    expect(second.status).toBe('stale');
    expect(second.get('database/host')).toBe('db-1');

    const caughtUp = until(second.changes$, () => true, 20_000);
    await server.start();
    const set = await caughtUp;
    expect([...set.changes].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'database/host', type: 'put', value: 'db-2', previous: 'db-1' },
      { path: 'removed/later', type: 'delete', value: undefined, previous: 'x' },
    ]);
    await until(second.status$, (s) => s === 'ready');
    await second.close();
  });

  it('reports a corrupt file and ignores it: from etcd when it is up, a rejection when it is down', async () => {
    const prefix = uniquePrefix('snap');
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, '{"format": "dials-snapshot/1", "layers": {tru');
    const etcd = rawClient(server.endpoint);
    await etcd.put(`${prefix}a`).value('1');
    etcd.close();

    const up = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, snapshotFile: join(dir, 'corrupt-copy.json') });
    writeFileSync(join(dir, 'corrupt-copy.json'), 'garbage');
    const errors: DialsError[] = [];
    up.errors$.subscribe((e) => errors.push(e));
    await up.ready();
    expect(up.get('a')).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['SNAPSHOT']);
    expect(errors[0]?.message).toContain('corrupt-copy.json');
    await up.close();

    await server.stop();
    const down = createDials({ source: etcdSource({ endpoints: server.endpoint, startupTimeoutMs: 300 }), prefix, snapshotFile: file });
    const downErrors: DialsError[] = [];
    down.errors$.subscribe((e) => downErrors.push(e));
    await expect(down.ready()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(downErrors[0]?.code).toBe('SNAPSHOT');
    await down.close();
    await server.start();
  });

  it('writes atomically: a reader never sees a partial file, and no temporary files stay', async () => {
    const prefix = uniquePrefix('snap');
    const sub = join(dir, 'atomic');
    const file = join(sub, 'f.json');
    const etcd = rawClient(server.endpoint);
    const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, snapshotFile: file });
    await dials.ready();
    const big = 'x'.repeat(20_000);
    let reads = 0;
    let torn = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        try {
          JSON.parse(readFileSync(file, 'utf8'));
          reads++;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') torn++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const last = until(dials.value$('k59'), (v) => v !== undefined);
    for (let i = 0; i < 60; i++) {
      const { header } = await etcd.put(`${prefix}k${i}`).value(JSON.stringify(big)).exec();
      // Every tenth write, wait until the file holds it, so the reader meets several rewrites.
      if (i % 10 === 0) await vi.waitFor(() => expect(fileRevision(file)).toBeGreaterThanOrEqual(Number(header.revision)), { interval: 5 });
    }
    await last;
    await dials.close();
    writing = false;
    await reader;
    expect(torn).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).layers[prefix])).toHaveLength(60);
    expect(readdirSync(sub)).toEqual(['f.json']);
    etcd.close();
  });

  it('on a full disk keeps the old file, reports SNAPSHOT, and leaves no temporary file behind', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a 64 KiB tmpfs to fill it: run npm test as root');
    const disk = join(dir, 'full');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    try {
      const prefix = uniquePrefix('snap');
      const file = join(disk, 'shop.json');
      const etcd = rawClient(server.endpoint);
      await etcd.put(`${prefix}a`).value('"small"');
      const dials = createDials({ source: etcdSource({ endpoints: server.endpoint }), prefix, snapshotFile: file });
      const errors: DialsError[] = [];
      dials.errors$.subscribe((e) => errors.push(e));
      await dials.ready();
      await etcd.put(`${prefix}b`).value('"x"');
      await vi.waitFor(() => expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).layers[prefix])).toEqual(['a', 'b']));
      const good = readFileSync(file, 'utf8');
      await etcd.put(`${prefix}big`).value(JSON.stringify('y'.repeat(100_000))); // more than the disk holds
      await vi.waitFor(() => expect(errors.map((e) => e.code)).toContain('SNAPSHOT'));
      expect(errors.find((e) => e.code === 'SNAPSHOT')?.message).toContain('ENOSPC');
      expect(readFileSync(file, 'utf8')).toBe(good);
      expect(readdirSync(disk)).toEqual(['shop.json']);
      await dials.close();
      etcd.close();
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});
