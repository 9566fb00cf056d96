import { createConsole, createOfrep } from '@dials/console';
import type { Express } from 'express';
import type { DemoSetup } from './sources.js';

/**
 * The console at /console and OFREP at /ofrep/v1/ on the demo's own port. On the embedded files
 * nobody logs in and OFREP needs no key; on etcd, users log in with their etcd credentials (when
 * etcd's auth is on) and OFREP asks for an API key.
 */
export async function mountConsole(express: Express, setup: DemoSetup): Promise<void> {
  const onFiles = setup.mode === 'file';
  const dialsConsole = await createConsole(
    onFiles
      ? { source: setup.config, flagsSource: setup.flags, configRoots: [setup.configPrefix], flagRoots: [setup.flagsPrefix] }
      : { etcd: { endpoints: process.env.ETCD_ENDPOINTS }, configRoots: [setup.configPrefix], flagRoots: [setup.flagsPrefix] },
  );
  express.use('/console', dialsConsole.router);
  const ofrep = createOfrep(onFiles ? { source: setup.flags, requireKeys: false, prefix: setup.flagsPrefix } : { source: setup.flags });
  express.use(ofrep.router);
}
