import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from './output.js';

/** `--port`: 0 to 65535 (0: any free port, the one taken is printed). */
export function portOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) throw new UsageError(`--port must be a port number (0 to 65535): ${JSON.stringify(text)}`);
  return port;
}

/** A URL's host part for an address: `[::1]` for IPv6. */
const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);

/**
 * Serve `app` on `host:port` until SIGINT or SIGTERM, then stop taking connections, end the open
 * ones (server-sent events would hold the server) and `close()` what the command opened (also when
the port cannot be taken). `listening`
 * gets the base URL once the port is taken. Resolves with exit code 0.
 */
export async function serveUntilSignal(
  app: RequestListener,
  options: { port: number; host: string },
  listening: (url: string) => void,
  close: () => Promise<void>,
): Promise<number> {
  const server = createServer(app);
  const taken = (error: NodeJS.ErrnoException) =>
    new Error(
      `cannot listen on ${hostOf(options.host)}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is taken' : error.message}`,
    );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(taken(error)));
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  listening(`http://${hostOf(options.host)}:${port}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  server.closeAllConnections();
  // A second Ctrl-C, or etcd that does not answer, must not keep the process: give up after 2 s.
  await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  return 0;
}
