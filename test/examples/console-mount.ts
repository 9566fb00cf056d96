import type { AddressInfo } from 'node:net';
import { createConsole } from '@dials/console';
import express from 'express';

/** The console on an Express app of your own, at /console: each user logs in with an etcd user. */
export async function serveConsole(endpoints: string, port = 8080) {
  const dialsConsole = await createConsole({
    etcd: { endpoints }, // no credentials here: each session connects as the user who logged in
    configRoots: ['/config/'],
    flagRoots: ['/flags/'],
    secure: process.env.NODE_ENV === 'production', // Secure cookies: serve it over https
  });
  const app = express();
  app.use('/console', dialsConsole.router);
  const server = app.listen(port);
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/console/`,
    close: async () => {
      server.close();
      await dialsConsole.close();
    },
  };
}
