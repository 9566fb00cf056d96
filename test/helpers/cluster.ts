import { EtcdServer, freePort } from './etcd.js';

/** A real three-node etcd cluster on loopback, fast elections (heartbeat 10 ms, election 100 ms). */
export class EtcdCluster {
  private constructor(readonly members: readonly EtcdServer[]) {}

  static async start(size = 3): Promise<EtcdCluster> {
    const names = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + i));
    const ports = await Promise.all(names.map(async () => ({ client: await freePort(), peer: await freePort() })));
    const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i]?.peer}`).join(',');
    const token = `dials-${process.pid}-${Date.now()}`;
    const members = await Promise.all(
      names.map((name, i) =>
        EtcdServer.create({ name, initialCluster, clusterToken: token, clientPort: ports[i]?.client, peerPort: ports[i]?.peer }),
      ),
    );
    // Members wait for each other to be healthy: start them together.
    await Promise.all(members.map((m) => m.start()));
    return new EtcdCluster(members);
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  /** The member that leads now (asks each member's metrics). */
  async leader(): Promise<EtcdServer> {
    for (const member of this.members) {
      if (!member.running) continue;
      try {
        if ((await member.metric('etcd_server_is_leader')) === 1) return member;
      } catch {
        // a member that is down or restarting
      }
    }
    throw new Error('no leader');
  }

  async destroy(): Promise<void> {
    await Promise.all(this.members.map((m) => m.destroy()));
  }
}
