import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy to etcd's JSON gateway that runs `before` once, ahead of forwarding the first
 * request to `path`: another writer gets in between a command's read and its write, every time.
 */
export async function interposingProxy(
  endpoint: string,
  path: string,
  before: () => Promise<unknown>,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const target = new URL(`http://${endpoint}`);
  let pending: (() => Promise<unknown>) | undefined = before;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === path && pending) {
      const hook = pending;
      pending = undefined;
      await hook();
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
