import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

/** Find the etcd binary, installing Debian's etcd-server when missing and running as root. */
export function findEtcd(): string {
  const candidates = [process.env.ETCD_BIN, '/usr/bin/etcd', '/usr/local/bin/etcd'].filter((c): c is string => !!c);
  const onPath = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const found = candidates.find((c) => existsSync(c)) ?? onPath();
  if (found) return found;
  if (process.getuid?.() === 0) {
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null'],
      {
        stdio: 'inherit',
      },
    );
    const installed = candidates.find((c) => existsSync(c)) ?? onPath();
    if (installed) return installed;
  }
  throw new Error('etcd not found: install etcd 3.4 (Debian: apt-get install etcd-server etcd-client) or set ETCD_BIN to its path');
}

/** The etcdctl binary (Debian's etcd-client, installed with etcd-server by findEtcd). */
export function findEtcdctl(): string {
  findEtcd();
  for (const candidate of [process.env.ETCDCTL_BIN, '/usr/bin/etcdctl', '/usr/local/bin/etcdctl'])
    if (candidate && existsSync(candidate)) return candidate;
  throw new Error('etcdctl not found: install etcd-client (apt-get install etcd-client) or set ETCDCTL_BIN');
}

/** A free TCP port on loopback (never 2379: the OS hands out ephemeral ports). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface EtcdOptions {
  /** Extra command-line flags, e.g. `--auth-token-ttl 2`. */
  readonly extraArgs?: readonly string[];
  /** Member name (default n1). */
  readonly name?: string;
  /** For a cluster: `a=http://127.0.0.1:P1,b=...` and a token. */
  readonly initialCluster?: string;
  readonly clusterToken?: string;
  /** Serve clients over TLS with these PEM files; `clientCertAuth` requires client certificates. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string; readonly clientCertAuth?: boolean };
  /** The address etcd listens on (default 127.0.0.1). */
  readonly host?: string;
  /** Run etcd inside this network namespace (`ip netns exec`), see `TestNetwork`. */
  readonly netns?: string;
}

/**
 * A real single-node etcd on loopback, its data under /dev/shm. `stop()` and `start()` keep the
 * data and ports, so a test can take etcd away and bring it back.
 */
export class EtcdServer {
  readonly dataDir: string;
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly binary: string,
    readonly clientPort: number,
    readonly peerPort: number,
    private readonly options: EtcdOptions,
  ) {
    const base = existsSync('/dev/shm') ? '/dev/shm' : (process.env.TMPDIR ?? '/tmp');
    this.dataDir = mkdtempSync(join(base, 'dials-etcd-'));
  }

  static async start(options: EtcdOptions = {}): Promise<EtcdServer> {
    const server = new EtcdServer(findEtcd(), await freePort(), await freePort(), options);
    await server.start();
    return server;
  }

  /** A member-to-be with its ports chosen; `start()` it (with the others) later. */
  static async create(options: EtcdOptions & { clientPort?: number; peerPort?: number } = {}): Promise<EtcdServer> {
    return new EtcdServer(findEtcd(), options.clientPort ?? (await freePort()), options.peerPort ?? (await freePort()), options);
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get endpoint(): string {
    return `${this.host}:${this.clientPort}`;
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.endpoint}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    if (this.process) return;
    const tls = this.options.tls;
    const client = this.url;
    const peer = `http://${this.host}:${this.peerPort}`;
    const name = this.options.name ?? 'n1';
    const args = [
      '--name',
      name,
      '--data-dir',
      join(this.dataDir, 'data'),
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      this.options.initialCluster ?? `${name}=${peer}`,
      ...(this.options.clusterToken ? ['--initial-cluster-token', this.options.clusterToken, '--initial-cluster-state', 'new'] : []),
      '--unsafe-no-fsync',
      '--heartbeat-interval',
      '10',
      '--election-timeout',
      '100',
      '--log-level',
      'error',
      '--logger',
      'zap',
      ...(tls ? ['--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca] : []),
      ...(tls?.clientCertAuth ? ['--client-cert-auth'] : []),
      ...(this.options.extraArgs ?? []),
    ];
    // `ip netns exec` execs etcd in place, so signals sent to the child reach etcd itself.
    const [command, argv] = this.options.netns ? ['ip', ['netns', 'exec', this.options.netns, this.binary, ...args]] : [this.binary, args];
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!this.process) throw new Error(`etcd exited at start: ${stderr}`);
      try {
        if ((await this.get('/health')).includes('"health":"true"')) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await this.kill();
    throw new Error(`etcd did not become healthy on ${client} within 15 s: ${stderr}`);
  }

  /** Graceful stop (SIGTERM); data kept. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    child.kill('SIGTERM');
    await this.exited;
  }

  /** SIGKILL; data kept. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** GET a path of etcd's HTTP endpoint (health, metrics), over TLS when etcd serves TLS. */
  get(path: string): Promise<string> {
    const tls = this.options.tls;
    return new Promise((resolve, reject) => {
      const options = tls
        ? { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), servername: 'localhost', timeout: 2_000 }
        : { timeout: 2_000 };
      const req = (tls ? httpsGet : httpGet)(`${this.url}${path}`, options, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
  }

  /** etcd's Prometheus metrics, as name → value for unlabelled gauges and counters. */
  async metric(name: string): Promise<number> {
    const text = await this.get('/metrics');
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`etcd metric ${name} not found`);
    return Number(line.split(' ')[1]);
  }

  /** Stop and delete the data: the next start() is a brand new cluster whose revisions start over. */
  async wipe(): Promise<void> {
    await this.kill();
    rmSync(join(this.dataDir, 'data'), { recursive: true, force: true });
  }

  /** Stop and delete the data dir. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A single-node etcd with auth enabled: `root`, and `user`, whose one role may only read
 * `readPrefix`. The `seed` keys are written before auth is turned on.
 */
export async function startAuthEtcd(options: {
  readonly user: string;
  readonly password: string;
  readonly readPrefix: string;
  readonly seed?: Readonly<Record<string, string>>;
}): Promise<EtcdServer> {
  const server = await EtcdServer.start();
  const root = new Etcd3({ hosts: server.endpoint });
  try {
    for (const [key, value] of Object.entries(options.seed ?? {})) await root.put(key).value(value);
    await root.user('root').create(`root-${randomUUID()}`);
    await root.role('root').create();
    await root.user('root').addRole('root');
    await root.role('reader').create();
    await root.role('reader').grant({ permission: 'Read', range: root.range({ prefix: options.readPrefix }) });
    await root.user(options.user).create(options.password);
    await root.user(options.user).addRole('reader');
    await root.auth.authEnable();
  } finally {
    root.close();
  }
  return server;
}
