import { createDials, type Dials, etcdSource } from '@dials/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../helpers/cluster.js';
import { until } from '../helpers/events.js';
import { uniquePrefix } from '../helpers/keys.js';

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await EtcdCluster.start(3);
}, 60_000);
afterAll(() => cluster.destroy());

const open = (prefix: string, requestTimeoutMs = 2_000) =>
  createDials({ source: etcdSource({ endpoints: cluster.endpoints, requestTimeoutMs, startupTimeoutMs: 10_000 }), prefix });

describe('a three-node cluster', () => {
  it('leader killed mid-way through 1 000 updates: subscribers see every update in order, get() answers throughout', async () => {
    const prefix = uniquePrefix('failover');
    const writer = open(prefix);
    const subscribers = [open(prefix), open(prefix)];
    await Promise.all([writer.ready(), ...subscribers.map((s) => s.ready())]);
    const seen: number[][] = subscribers.map(() => []);
    let lastProgress = Date.now();
    let longestPause = 0;
    for (const [i, s] of subscribers.entries()) {
      s.value$('counter').subscribe((v) => {
        if (typeof v !== 'number') return;
        seen[i]?.push(v);
        const now = Date.now();
        longestPause = Math.max(longestPause, now - lastProgress);
        lastProgress = now;
      });
    }
    let reads = 0;
    let failedReads = 0;
    const sampler = setInterval(() => {
      for (const s of subscribers) {
        reads++;
        try {
          s.get('counter');
        } catch {
          failedReads++;
        }
      }
    }, 2);

    let retries = 0;
    let killedAt = 0;
    for (let i = 1; i <= 1_000; i++) {
      if (i === 300) {
        const leader = await cluster.leader();
        killedAt = Date.now();
        await leader.kill();
      }
      for (;;) {
        try {
          await writer.publish({ counter: i });
          break;
        } catch {
          retries++; // the write may or may not have landed: publishing the same value again is safe
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    await Promise.all(subscribers.map((s) => until(s.value$('counter'), (v) => v === 1_000, 20_000)));
    clearInterval(sampler);
    const expected = Array.from({ length: 1_000 }, (_, i) => i + 1);
    for (const sequence of seen) expect(sequence).toEqual(expected);
    expect(failedReads).toBe(0);
    expect(reads).toBeGreaterThan(0);
    console.log(
      `failover: leader killed ${killedAt ? Date.now() - killedAt : 0} ms before the end; writer retried ${retries} times; longest pause subscribers saw: ${longestPause} ms`,
    );
    await Promise.all([writer.close(), ...subscribers.map((s) => s.close())]);
    // Bring the killed member back for the next test.
    await Promise.all(cluster.members.filter((m) => !m.running).map((m) => m.start()));
  }, 120_000);

  it('quorum lost (two of three down): reads answer from the snapshot, status stale, writes fail clearly; then it catches up', async () => {
    const prefix = uniquePrefix('quorum');
    const dials: Dials = open(prefix, 1_000);
    await dials.ready();
    await dials.publish({ mode: 'before' });
    await until(dials.value$('mode'), (v) => v === 'before');
    const [a, b] = cluster.members;
    const stale = until(dials.status$, (s) => s === 'stale', 30_000);
    await Promise.all([a?.kill(), b?.kill()]);
    await stale;
    expect(dials.get('mode')).toBe('before');
    const started = Date.now();
    const error = await dials.publish({ mode: 'during' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DialsError' });
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain((error as { code: string }).code);
    console.log(`quorum loss: publish failed after ${Date.now() - started} ms with ${(error as Error).message}`);
    const ready = until(dials.status$, (s) => s === 'ready', 30_000);
    await Promise.all([a?.start(), b?.start()]);
    await ready;
    await dials.publish({ mode: 'after' });
    await until(dials.value$('mode'), (v) => v === 'after');
    await dials.close();
  }, 120_000);
});
