import { handleWhen, retry } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import type { ClusterStatus, MemberStatus } from '../types.js';
import { toDialsError } from './etcd-errors.js';

/**
 * The cluster as `etcdctl endpoint status` and `member list` show it: every member with its URLs,
 * health, version, db size, raft term and index; the leader; active alarms. Each member is asked
 * on a client of its own, so one that is down does not hide the others.
 */
export async function etcdClusterStatus(client: Etcd3, options: IOptions, description: string, timeoutMs: number): Promise<ClusterStatus> {
  let members: Awaited<ReturnType<typeof client.cluster.memberList>>;
  try {
    members = await client.cluster.memberList({});
  } catch (error) {
    throw toDialsError(error, description, 'Listing cluster members');
  }
  const statuses = await Promise.all(members.members.map((member) => memberStatus(member, options, timeoutMs)));
  let alarms: { memberId: string; alarm: string }[] = [];
  try {
    const res = await client.maintenance.alarm({ action: 'Get' });
    alarms = res.alarms.map((a) => ({ memberId: a.memberID, alarm: String(a.alarm) }));
  } catch {
    // alarms need a healthy leader; the members' health above already says what is wrong
  }
  const leader = statuses.find((m) => m.isLeader)?.id ?? statuses.find((m) => m.leader)?.leader;
  return { clusterId: members.header.cluster_id, leader, members: statuses, alarms };
}

type Member = { ID: string; name: string; peerURLs: string[]; clientURLs: string[] };

async function memberStatus(member: Member, options: IOptions, timeoutMs: number): Promise<MemberStatus> {
  const base = { id: member.ID, name: member.name, peerURLs: member.peerURLs, clientURLs: member.clientURLs };
  const url = member.clientURLs[0];
  if (!url) return { ...base, healthy: false, error: 'no client URL' };
  const noRetry = retry(
    handleWhen(() => false),
    { maxAttempts: 1 },
  );
  const client = new Etcd3({ ...options, hosts: url, faultHandling: { global: noRetry } });
  try {
    const status = await client.maintenance.status({ deadline: Date.now() + timeoutMs });
    return {
      ...base,
      healthy: true,
      version: status.version,
      dbSize: Number(status.dbSize),
      leader: status.leader,
      raftTerm: Number(status.raftTerm),
      raftIndex: Number(status.raftIndex),
      isLeader: status.leader === member.ID,
    };
  } catch (error) {
    return { ...base, healthy: false, error: toDialsError(error, url, 'Status').message };
  } finally {
    client.close();
  }
}
