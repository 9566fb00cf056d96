import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { etcdSource, fileSource, flattenDocument, isDialsError, memorySource, publishKeys, type Source } from '@dials/core';
import { flagdFileSource, flagSetEntries } from '@dials/flags';
import { parse } from 'yaml';
import type { DemoSources } from './app.module.js';

const here = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));

export interface DemoSetup extends DemoSources {
  readonly mode: 'file' | 'etcd';
  readonly configFile: string;
  readonly flagsFile: string;
  /** Where the service registers itself: etcd, or without it an in-process registry (the memory source has leases; a file has none). */
  readonly registry: Source;
}

/** Without ETCD_ENDPOINTS: the embedded files. With it: etcd, seeded from the files when empty. */
export async function demoSources(): Promise<DemoSetup> {
  const configFile = process.env.DIALS_CONFIG_FILE ?? here('dials.yaml');
  const flagsFile = process.env.DIALS_FLAGS_FILE ?? here('flags.flagd.json');
  if (!process.env.ETCD_ENDPOINTS) {
    return {
      mode: 'file',
      configFile,
      flagsFile,
      config: fileSource(configFile),
      configPrefix: '',
      flags: flagdFileSource(flagsFile),
      flagsPrefix: '',
      registry: memorySource({ name: 'in-process registry' }),
    };
  }
  // With etcd auth on, the service reads as its own etcd user (the console's users log in with theirs).
  const user = process.env.DIALS_USER;
  const source = etcdSource(user ? { auth: { username: user, password: process.env.DIALS_PASSWORD ?? '' } } : {});
  const configPrefix = process.env.DIALS_CONFIG_PREFIX ?? '/config/shop/dev/';
  const flagsPrefix = process.env.DIALS_FLAGS_PREFIX ?? '/flags/shop/dev/';
  await source.connect();
  await seed(source, configPrefix, flattenDocument(parse(readFileSync(configFile, 'utf8'))));
  await seed(source, flagsPrefix, flagSetEntries(JSON.parse(readFileSync(flagsFile, 'utf8'))));
  return { mode: 'etcd', configFile, flagsFile, config: source, configPrefix, flags: source, flagsPrefix, registry: source };
}

/**
 * First run against an empty prefix: write the example values as a release, so `dials history`
 * shows where they came from and `dials fleet` does not list them as written outside one.
 */
async function seed(source: ReturnType<typeof etcdSource>, prefix: string, entries: Iterable<readonly [string, string]>): Promise<void> {
  if ((await source.list(prefix)).kvs.length > 0) return;
  const changes = [...entries].map(([key, after]) => ({ key: prefix + key, after }));
  try {
    await publishKeys(source, changes, { guardPrefix: prefix, message: 'demo: the example values', author: 'dials-demo' });
  } catch (error) {
    // A demo user who may write the keys but not record releases (/dials/releases/): the values alone.
    if (!isDialsError(error) || error.code !== 'PERMISSION_DENIED') throw error;
    await source.transactions.txn(changes.map((c) => ({ type: 'put' as const, key: c.key, value: c.after })));
  }
  console.log(`Dials demo: ${prefix} was empty; wrote ${changes.length} example keys.`);
}
