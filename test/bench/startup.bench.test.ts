import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdServer, findEtcdctl } from '../helpers/etcd.js';
import { uniquePrefix } from '../helpers/keys.js';
import { QUICK, record, save } from './measure.js';

// The command's start-up as a user meets it: a fresh process per run, side by side with a bare
// node start and etcdctl (a Go binary, no runtime to load), interleaved so that load on the
// machine falls on every contender alike.
const RUNS = QUICK ? 2 : 10;
const GROUP = `CLI start-up (wall time of one run, median of ${RUNS})`;
const dials = fileURLToPath(new URL('../../packages/cli/bin/dials.js', import.meta.url));

let server: EtcdServer;
beforeAll(async () => {
  server = await EtcdServer.start();
});
afterAll(async () => {
  save('startup');
  await server.destroy();
});

function timed(command: string, args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { env: { ...process.env, ETCD_ENDPOINTS: server.endpoint, NO_COLOR: '1' }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  expect(run.status, `${command} ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return ms;
}

it('dials --help, get and set against a bare node start and etcdctl', () => {
  const key = `${uniquePrefix('startup')}logging/level`;
  const etcdctl = findEtcdctl();
  timed(etcdctl, ['--endpoints', server.endpoint, 'put', key, '"info"']);
  let n = 0;
  const contenders: [string, string, () => string[], string?][] = [
    ['node -e 0', process.execPath, () => ['-e', '0'], 'the floor: a Node process that does nothing'],
    ['etcdctl get', etcdctl, () => ['--endpoints', server.endpoint, 'get', key]],
    ['dials --help', process.execPath, () => [dials, '--help'], 'loads no etcd client'],
    ['dials get', process.execPath, () => [dials, 'get', key], "etcd's JSON gateway, no gRPC client"],
    ['dials set', process.execPath, () => [dials, 'set', key, JSON.stringify(`level-${n++}`)], 'a release: read, txn, record'],
  ];
  // One warm-up round (the file system cache), then the measured rounds.
  for (const [, command, args] of contenders) timed(command, args());
  const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (let r = 0; r < RUNS; r++) for (const [name, command, args] of contenders) times.get(name)?.push(timed(command, args()));
  const floor = record(GROUP, 'node -e 0', 'ms', times.get('node -e 0') as number[], contenders[0]?.[3]);
  for (const [name, , , note] of contenders.slice(1)) {
    const figure = record(GROUP, name, 'ms', times.get(name) as number[], note);
    console.log(`${name}: ${figure.median.toFixed(0)} ms, ${(figure.median / floor.median).toFixed(2)}× node -e 0`);
  }
});
