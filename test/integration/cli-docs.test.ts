import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveChangeRequest, createChangeRequest, etcdSource, scheduleChangeRequest } from '@dials/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registry } from '../../packages/cli/src/registry.js';
import { runDials, runJson, startDials, watchUntil } from '../helpers/cli.js';
import type { EtcdServer } from '../helpers/etcd.js';
import { startEtcdWithUsers } from '../helpers/etcd-users.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';
import { startServing } from '../helpers/serve.js';

// docs/cli.md's example commands, run against the test etcd: each under a prefix of its own
// (`/config/...` and `/flags/...` moved under it, the namespace `config/shop/dev` too), with the
// files and keys the examples assume, each checked for its exit code.
const endpoint = inject('etcdEndpoint');
const doc = readFileSync(fileURLToPath(new URL('../../docs/cli.md', import.meta.url)), 'utf8');
const demoFlags = fileURLToPath(new URL('../../apps/demo/flags.flagd.json', import.meta.url));
const base = uniquePrefix('cli-docs');
const lockSuffix = randomUUID();

/** A shell line's words: quotes removed, stopping at a redirection or a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? (match[3] as string);
    if (match[3] !== undefined && (word === '>' || word.startsWith('#'))) break;
    out.push(word);
  }
  return out;
}

const usages = new Set<string>();
beforeAll(async () => {
  for (const entry of registry) {
    const command = await entry.load();
    usages.add(command.usage);
    for (const sub of Object.values(command.subcommands ?? {})) usages.add(sub.usage);
  }
});
const examples = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
  (block[1] as string).split('\n').filter((line) => line.startsWith('dials ')),
);

/** The example's words with its keys, namespace and lock moved to the test's own. */
function localise(line: string): string[] {
  return words(line)
    .slice(1)
    .map((word) => {
      if (/^\/(config|flags)\//.test(word)) return base + word.slice(1);
      if (word === 'config/shop/dev' || word === 'flags/shop/dev') return base.slice(1) + word;
      if (word === 'deploy-shop') return `deploy-shop-${lockSuffix}`;
      if (word === 'shop-dev-scheduler') return `shop-dev-scheduler-${lockSuffix}`;
      return word;
    });
}

/** What every example may rely on being there; written again before each. */
async function seed(): Promise<void> {
  const etcd = rawClient(endpoint);
  const put = (path: string, value: string) => etcd.put(base + path).value(value);
  await put('config/shop/dev/database/port', '5432');
  await put('config/shop/dev/feature/old', 'true');
  await put('config/shop/tmp/a', '1');
  await put('config/shop/staging/database/port', '5432');
  await put('config/shop/production/database/port', '6432');
  const flagd = JSON.parse(readFileSync(demoFlags, 'utf8')) as { flags: Record<string, unknown>; $evaluators: unknown };
  for (const [key, flag] of Object.entries(flagd.flags)) await put(`flags/shop/dev/${key}`, JSON.stringify(flag));
  await put('flags/shop/dev/$evaluators', JSON.stringify(flagd.$evaluators));
  // `dials policy set ... --require-approval 1` must not turn the next examples' writes into drafts.
  await etcd.delete().key(`/dials/policy/${base.slice(1)}config/shop/dev`);
  // The gray release the `dials gray` examples name, staged so that `advance` has a next step.
  const namespace = `${base.slice(1)}config/shop/dev`;
  const gray = `/dials/gray/${namespace}/g-1a2b3c4d`;
  await etcd.put(`${gray}/database/pool`).value('20');
  const header = { id: 'g-1a2b3c4d', namespace, labels: { canary: 'true' }, steps: [10, 50, 100], state: 'active' };
  await etcd.put(gray).value(JSON.stringify({ ...header, startedAt: new Date().toISOString(), author: 'docs', message: 'pool 20' }));
  etcd.close();
}

/**
 * A change request for the `dials cr ... 1234` examples, by someone else than the examples' author
 * (tester): open, approved by bob for `apply`, scheduled for `schedule --cancel`. Its real id.
 */
async function requestFor(args: readonly string[]): Promise<string> {
  const source = etcdSource({ endpoints: endpoint });
  try {
    const namespace = `${base.slice(1)}config/shop/dev`;
    const { id } = await createChangeRequest(source, {
      namespace,
      author: 'ana',
      title: 'bigger pool',
      changes: [{ key: `${base}config/shop/dev/database/pool`, after: '20' }],
    });
    if (args[1] === 'apply') await approveChangeRequest(source, namespace, id, { by: 'bob' });
    if (args.includes('--cancel')) await scheduleChangeRequest(source, namespace, id, { at: '2099-12-01T09:00Z', by: 'ana' });
    return id;
  } finally {
    await source.close();
  }
}

// Examples whose documented outcome is not 0, and why.
const EXIT_OTHER: Record<string, number> = {
  'dials diff /config/shop/staging/ /config/shop/production/ --exit-code': 1, // the two differ: that is what it reports
  'dials rollback 1234 --namespace config/shop/dev -m "bad port"': 2, // it asks first; off a terminal it wants --yes
};

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dials-cli-docs-'));
  writeFileSync(join(cwd, 'config.yaml'), 'database:\n  host: localhost\n  port: 5432\n');
  writeFileSync(join(cwd, '.env'), 'DATABASE__HOST=db.env\nDATABASE__PORT=5432\n');
  copyFileSync(demoFlags, join(cwd, 'flags.flagd.json'));
  writeFileSync(join(cwd, 'deploy.sh'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(cwd, 'deploy.sh'), 0o755);
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

// The serving examples name an OFREP user (`--user ofrep`): an etcd with auth on that has one.
let authEtcd: Promise<EtcdServer> | undefined;
const withOfrepUser = () => {
  authEtcd ??= startEtcdWithUsers({ ofrep: { password: 'of-pass', read: ['/dials/ofrep-keys/', '/flags/'] } }).then(({ server, root }) => {
    root.close();
    return server;
  });
  return authEtcd;
};
afterAll(async () => (await authEtcd)?.destroy());

/** A serving example (`console`, `ofrep`) on a free port: it answers, and stops on SIGTERM with exit 0. */
async function serves(args: string[]): Promise<void> {
  const onPort0 = args.includes('--port') ? args.map((word, i) => (args[i - 1] === '--port' ? '0' : word)) : [...args, '--port', '0'];
  const target = onPort0.includes('--user') ? (await withOfrepUser()).endpoint : endpoint;
  const server = await startServing(target, onPort0, /(?:Console|OFREP) on (http:\/\/\S+?)\/(?:console|ofrep)/, {
    DIALS_PASSWORD: 'of-pass',
  });
  const answer =
    onPort0[0] === 'console'
      ? await fetch(`${server.url}/console/api/session`)
      : await fetch(`${server.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{"context":{}}' });
  expect(answer.status, server.output()).toBe(onPort0[0] === 'console' ? 200 : 401); // OFREP: no key, no flags
  expect((await server.stop('SIGTERM')).code).toBe(0);
}

describe("docs/cli.md's examples run", () => {
  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThan(40);
  });

  it.each(examples)('%s', async (line) => {
    if (usages.has(line)) return; // a usage line (`dials get KEY`), not an example
    await seed();
    let args = localise(line);
    if (args[0] === 'watch') {
      const { code } = await watchUntil(
        endpoint,
        args.slice(1),
        (out) => out.includes('docs-poke'),
        async () => {
          const etcd = rawClient(endpoint);
          await etcd.put(`${args[1]}docs-poke`).value('1');
          etcd.close();
        },
      );
      expect(code).toBe(0);
      return;
    }
    if (args[0] === 'scheduler') {
      // It runs until Ctrl-C: once it leads its election, Ctrl-C resigns and exits 0.
      const scheduler = startDials(endpoint, args);
      await scheduler.waitFor((out) => out.includes('leading'));
      expect(await scheduler.stop('SIGINT')).toBe(0);
      return;
    }
    if (args[0] === 'cr' && args.includes('1234')) {
      const id = await requestFor(args);
      args = args.map((word) => (word === '1234' ? id : word));
    }
    if (args[0] === 'console' || (args[0] === 'ofrep' && args[1] !== 'keys')) {
      await serves(args);
      return;
    }
    if (args[0] === 'ofrep' && args[2] === 'revoke') {
      // The example's hash is made up: revoke a key made for the purpose.
      const made = await runJson(endpoint, ['ofrep', 'keys', 'create', args[3] as string]);
      args = args.map((word) => (/^[0-9a-f]{64}$/.test(word) ? made.data.hash : word));
    }
    if (args[0] === 'release' && (args[1] === 'resume' || args[1] === 'abort')) {
      // The example's release is one whose writer died: leave its plan behind as such a writer would.
      const namespace = `${base.slice(1)}config/shop/dev`;
      const plan = {
        id: args[2],
        namespace,
        author: 'docs',
        message: '',
        at: new Date().toISOString(),
        revision: 0,
        changes: [{ key: `/${namespace}/feature/resumed`, after: 'true' }],
      };
      const etcd = rawClient(endpoint);
      await etcd.delete().key(`/${namespace}/feature/resumed`);
      await etcd.put(`/dials/releases/${namespace}/${args[2]}`).value(JSON.stringify(plan));
      etcd.close();
    }
    if (args[0] === 'rollback') {
      // The example's release id is made up: roll back the namespace's latest instead.
      const namespace = `${base}config/shop/dev/`;
      await runDials(endpoint, ['set', `${namespace}database/port`, String(Date.now()), '--namespace', namespace]);
      const latest = (await runJson(endpoint, ['history', namespace])).data.releases[0].id;
      args = args.map((word) => (word === '1234' ? latest : word));
    }
    const run = await runDials(endpoint, args, { DIALS_FLAGS_PREFIX: undefined }, cwd);
    expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(EXIT_OTHER[line] ?? 0);
  });
});
