import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between a client and etcd, to make network faults for real:
 * `cut()` closes every connection and refuses new ones; `blackhole()` keeps connections open but
 * stops forwarding (a half-open link); `restore()` lets traffic through again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private mode: 'open' | 'cut' | 'blackhole' = 'open';

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy did not listen');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (this.mode === 'open') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  /** Close every connection and refuse new ones until `restore()`. */
  cut(): void {
    this.mode = 'cut';
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Keep connections open but drop everything sent either way: a half-open link. */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  restore(): void {
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
