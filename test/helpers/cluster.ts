import { EtcdServer, freePort } from './etcd.js';
import { TestNetwork } from './netns.js';

export interface ClusterOptions {
  /**
   * Run each member in a network namespace of its own (see `TestNetwork`), so that a member can
   * be cut off from its peers while this process still reaches it. Needs root.
   */
  readonly partitionable?: boolean;
}

/** A real etcd cluster (three nodes by default) on loopback, fast elections (heartbeat 10 ms, election 100 ms). */
export class EtcdCluster {
  private constructor(
    readonly members: readonly EtcdServer[],
    private readonly network: TestNetwork | undefined,
  ) {}

  static async start(size = 3, options: ClusterOptions = {}): Promise<EtcdCluster> {
    const network = options.partitionable ? await TestNetwork.create(size) : undefined;
    const names = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + i));
    const hosts = names.map((_, i) => network?.address(i) ?? '127.0.0.1');
    const ports = await Promise.all(names.map(async () => ({ client: await freePort(), peer: await freePort() })));
    const initialCluster = names.map((n, i) => `${n}=http://${hosts[i]}:${ports[i]?.peer}`).join(',');
    const token = `dials-${process.pid}-${Date.now()}`;
    const members = await Promise.all(
      names.map((name, i) =>
        EtcdServer.create({
          name,
          initialCluster,
          clusterToken: token,
          clientPort: ports[i]?.client,
          peerPort: ports[i]?.peer,
          host: hosts[i],
          netns: network?.namespace(i),
        }),
      ),
    );
    try {
      // Members wait for each other to be healthy: start them together.
      await Promise.all(members.map((m) => m.start()));
    } catch (error) {
      await Promise.all(members.map((m) => m.destroy()));
      await network?.destroy();
      throw error;
    }
    return new EtcdCluster(members, network);
  }

  /** Cut `member` off from every other member (both ways); clients still reach it. Needs `partitionable`. */
  async isolate(member: EtcdServer): Promise<void> {
    if (!this.network) throw new Error('EtcdCluster.isolate needs a cluster started with { partitionable: true }');
    const index = this.members.indexOf(member);
    await this.network.cut(
      index,
      this.members.map((_, i) => i).filter((i) => i !== index),
    );
  }

  /** Undo `isolate()`. */
  async heal(): Promise<void> {
    await this.network?.heal();
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
    await this.network?.destroy();
  }
}
