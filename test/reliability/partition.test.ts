import { createDials, type Dials, type DialsError, etcdSource } from '@dials/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdCluster } from '../helpers/cluster.js';
import type { EtcdServer } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';
import { uniquePrefix } from '../helpers/keys.js';

// Each member runs in a network namespace of its own, so that one can be cut off from its peers
// while this process (the clients) still reaches it: the partition a TCP proxy cannot make,
// since all members dial each other at the addresses of one shared --initial-cluster.
let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await EtcdCluster.start(3, { partitionable: true });
}, 60_000);
afterAll(() => cluster?.destroy());

// holdReleases off: the test finds the member by its one watch, and the release-mark watch would be a second.
const open = (prefix: string, endpoints: string[], requireLeader = true): Dials =>
  createDials({
    source: etcdSource({ endpoints, requireLeader, requestTimeoutMs: 2_000, startupTimeoutMs: 10_000 }),
    prefix,
    holdReleases: false,
    report: false,
  });

/** The member serving the one watch the cluster has (the writer below does not watch). */
async function watchedMember(): Promise<EtcdServer> {
  const counts = await Promise.all(cluster.members.map((m) => m.metric('etcd_debugging_mvcc_watcher_total')));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
  const member = cluster.members[counts.indexOf(1)];
  if (!member) throw new Error('no member has the watch');
  return member;
}

/** Write through the majority; a put during an election fails and is retried, it is idempotent. */
async function putThrough(endpoints: string[], key: string, value: string): Promise<void> {
  const client = new Etcd3({ hosts: endpoints });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.put(key).value(value);
        return;
      } catch (error) {
        if (attempt === 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.close();
  }
}

it('a member cut off from its peers: the client leaves it for a healthy member, and one held to it turns stale instead of serving old data as current', async () => {
  const prefix = uniquePrefix('partition');
  await putThrough(cluster.endpoints, `${prefix}mode`, '"before"');

  // The client under test knows every endpoint; its one watch lands on one member, which we cut off.
  const client = open(prefix, cluster.endpoints);
  await client.ready();
  const cut = await watchedMember();
  const healthy = cluster.members.filter((m) => m !== cut).map((m) => m.endpoint);
  // Two clients that can only reach the member we cut off: with the leader requirement (the
  // default) and without it, to show what the requirement prevents.
  const held = open(prefix, [cut.endpoint]);
  const unguarded = open(prefix, [cut.endpoint], false);
  await Promise.all([held.ready(), unguarded.ready()]);
  const errors: DialsError[] = [];
  client.errors$.subscribe((e) => errors.push(e));
  const heldErrors: DialsError[] = [];
  held.errors$.subscribe((e) => heldErrors.push(e));
  const clientWentStale = until(client.status$, (s) => s === 'stale', 20_000).then(() => Date.now());
  const heldWentStale = until(held.status$, (s) => s === 'stale', 20_000);

  const started = Date.now();
  await cluster.isolate(cut);
  await putThrough(healthy, `${prefix}mode`, '"after"');
  const written = Date.now();
  // The cut-off member never hears of "after": the client gets it only by moving to a healthy member.
  const staleAt = await clientWentStale;
  await until(client.value$('mode'), (v) => v === 'after', 20_000);
  const arrived = Date.now();
  expect(client.status).toBe('ready');
  expect(errors.map((e) => e.message).join('\n')).toMatch(/no leader/);

  // Held to the cut-off member: etcd cancels its watch for want of a leader. It keeps the last good
  // value, as every outage does, but says it is stale and why, naming the endpoint.
  await heldWentStale;
  expect(held.get('mode')).toBe('before');
  expect(heldErrors.some((e) => /no leader/.test(e.message) && e.message.includes(cut.endpoint))).toBe(true);
  // Without the requirement the same member would go on passing its old data off as current.
  expect(unguarded.status).toBe('ready');
  expect(unguarded.get('mode')).toBe('before');
  console.log(
    `partition: the client went stale ${staleAt - started} ms after the cut; the majority took the write after ${written - started} ms; the client, moved to a healthy member, had it ${arrived - written} ms later`,
  );

  // Healed: the member catches up, and so do the clients that could only reach it.
  await cluster.heal();
  await until(held.value$('mode'), (v) => v === 'after', 30_000);
  await until(held.status$, (s) => s === 'ready', 30_000);
  await until(unguarded.value$('mode'), (v) => v === 'after', 30_000);
  await Promise.all([client.close(), held.close(), unguarded.close()]);
}, 120_000);
