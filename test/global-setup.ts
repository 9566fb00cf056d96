import type { TestProject } from 'vitest/node';
import { EtcdServer } from './helpers/etcd.js';

declare module 'vitest' {
  export interface ProvidedContext {
    etcdEndpoint: string;
  }
}

/** One shared etcd for the whole run; tests that stop or break etcd start their own. */
export default async function setup(project: TestProject) {
  const server = await EtcdServer.start();
  project.provide('etcdEndpoint', server.endpoint);
  return async () => {
    await server.destroy();
  };
}
