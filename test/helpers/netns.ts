import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);

/** Debian's iproute2 `ip`, installed when missing and running as root. Needs root (CAP_NET_ADMIN). */
function findIp(): string {
  if (process.getuid?.() !== 0) {
    throw new Error('the network-partition tests need root: they build network namespaces with `ip netns` (run npm test as root)');
  }
  for (const candidate of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) if (existsSync(candidate)) return candidate;
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null'], {
    stdio: 'inherit',
  });
  for (const candidate of ['/usr/sbin/ip', '/sbin/ip']) if (existsSync(candidate)) return candidate;
  throw new Error('ip not found: install iproute2 (apt-get install iproute2)');
}

/**
 * A private network for tests: `hosts` Linux network namespaces, each with one address on a
 * bridge that the test process (in the root namespace) also sits on. Processes started in a
 * namespace reach each other and the test process; `cut()` drops traffic between chosen hosts
 * in both directions (blackhole routes) while the test process still reaches all of them.
 */
export class TestNetwork {
  private readonly cuts: Array<{ namespace: string; address: string }> = [];

  private constructor(
    private readonly ip: string,
    private readonly id: string,
    private readonly subnet: string,
    readonly size: number,
  ) {}

  static async create(size: number): Promise<TestNetwork> {
    const ip = findIp();
    const id = randomBytes(2).toString('hex');
    const { stdout } = await execFile(ip, ['-4', 'route', 'show', 'table', 'all']);
    let subnet = '';
    for (let attempt = 0; attempt < 100 && !subnet; attempt++) {
      const candidate = `10.${200 + ((randomBytes(1)[0] ?? 0) % 50)}.${randomBytes(1)[0] ?? 0}`;
      if (!stdout.includes(`${candidate}.`)) subnet = candidate;
    }
    if (!subnet) throw new Error('TestNetwork: no free 10.x.y.0/24 subnet');
    const network = new TestNetwork(ip, id, subnet, size);
    try {
      await network.build();
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  /** The bridge, on which the test process has `${subnet}.1`. */
  private get bridge(): string {
    return `dbr${this.id}`;
  }

  namespace(host: number): string {
    return `dials-${this.id}-${host}`;
  }

  address(host: number): string {
    return `${this.subnet}.${10 + host}`;
  }

  private run(...args: string[]): Promise<unknown> {
    return execFile(this.ip, args);
  }

  private async build(): Promise<void> {
    await this.run('link', 'add', this.bridge, 'type', 'bridge');
    await this.run('addr', 'add', `${this.subnet}.1/24`, 'dev', this.bridge);
    await this.run('link', 'set', this.bridge, 'up');
    for (let host = 0; host < this.size; host++) {
      const ns = this.namespace(host);
      const outside = `dv${this.id}${host}a`;
      const inside = `dv${this.id}${host}b`;
      await this.run('netns', 'add', ns);
      await this.run('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      await this.run('link', 'set', inside, 'netns', ns);
      await this.run('link', 'set', outside, 'master', this.bridge);
      await this.run('link', 'set', outside, 'up');
      await this.run('-n', ns, 'addr', 'add', `${this.address(host)}/24`, 'dev', inside);
      await this.run('-n', ns, 'link', 'set', inside, 'up');
      await this.run('-n', ns, 'link', 'set', 'lo', 'up');
    }
  }

  /** Drop all traffic between `host` and each of `others`, both ways. The test process still reaches everyone. */
  async cut(host: number, others: readonly number[]): Promise<void> {
    for (const other of others) {
      for (const [from, to] of [
        [host, other],
        [other, host],
      ] as const) {
        const entry = { namespace: this.namespace(from), address: this.address(to) };
        await this.run('-n', entry.namespace, 'route', 'add', 'blackhole', `${entry.address}/32`);
        this.cuts.push(entry);
      }
    }
  }

  /** Undo every cut. */
  async heal(): Promise<void> {
    for (const entry of this.cuts.splice(0)) {
      await this.run('-n', entry.namespace, 'route', 'del', 'blackhole', `${entry.address}/32`);
    }
  }

  /** Remove the namespaces (their veth ends go with them) and the bridge. Safe to call twice. */
  async destroy(): Promise<void> {
    for (let host = 0; host < this.size; host++) {
      await this.run('netns', 'del', this.namespace(host)).catch(() => undefined);
    }
    await this.run('link', 'del', this.bridge).catch(() => undefined);
  }
}
