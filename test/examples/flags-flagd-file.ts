import { createFlags, flagdFileSource } from '@dials/flags';

// flags.flagd.json is a flagd flag-set file: { "flags": { ... }, "$evaluators": { ... } }.
// Edit it and the running process sees the change; `dials import` brings it into etcd.
export async function fromFlagdFile(path: string) {
  const flags = createFlags({ source: flagdFileSource(path), prefix: '' });
  await flags.ready();
  return flags;
}
