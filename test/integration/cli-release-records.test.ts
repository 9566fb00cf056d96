import { createHash } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runDials, runJson } from '../helpers/cli.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

// Release records are data anyone with a grant on /dials/releases/<namespace>/ can write. Here they
// are forged, altered and broken in a real etcd, and `dials rollback` and `dials history` are run on
// them as an admin would: nothing outside the record's namespace is written, a record that etcd's
// history contradicts is refused, and a broken record hides no other.
const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
afterAll(() => etcd.close());
const dials = (...args: string[]) => runDials(endpoint, args);
const json = (...args: string[]) => runJson(endpoint, args);

/** A team's dev and prod namespaces, and everything etcd holds for both (keys and records). */
function team() {
  const base = uniquePrefix('cli-records');
  const dev = `${base}dev/`;
  const prod = `${base}prod/`;
  const ns = (prefix: string) => prefix.slice(1, -1);
  const state = async () => ({
    keys: await etcd.getAll().prefix(base).strings(),
    records: await etcd
      .getAll()
      .prefix(`/dials/releases/${ns(base)}/`)
      .strings(),
  });
  return { dev, prod, devNs: ns(dev), prodNs: ns(prod), state };
}

describe('dials rollback of a forged or altered record', () => {
  it('refuses a record that lists a key outside its namespace, before showing or writing anything', async () => {
    const { dev, prod, devNs, state } = team();
    await etcd.put(`${prod}port`).value('5432');
    await etcd.put(`${dev}port`).value('1');
    // Someone who may write only dev's records "records" a dev release that touched production.
    const forged = {
      id: '00000000000000000042',
      namespace: devNs,
      author: 'mallory',
      message: 'harmless dev change',
      at: new Date().toISOString(),
      revision: 42,
      changes: [
        { key: `${dev}port`, before: '2', after: '1' },
        { key: `${prod}port`, before: 'evil', after: '5432' },
      ],
    };
    await etcd.put(`/dials/releases/${devNs}/00000000000000000042`).value(JSON.stringify(forged));
    const before = await state();
    for (const confirm of [['--yes'], []]) {
      const run = await dials('rollback', '42', '--namespace', devNs, ...confirm);
      expect(run.code, run.stderr).toBe(1); // refused, not asked (exit 2)
      expect(run.stderr).toContain(`lists ${prod}port, outside that namespace`);
      expect(run.stderr).toContain('Nothing was written');
      expect(await state()).toEqual(before);
    }
    expect(await etcd.get(`${prod}port`).string()).toBe('5432');
  });

  it.each([
    ['before', 'held something else before revision'],
    ['after', 'was not written by this release as its record says'],
  ] as const)('refuses a record whose "%s" etcd\'s history contradicts', async (side, message) => {
    const { dev, devNs, state } = team();
    expect((await dials('set', `${dev}port`, '1', '--namespace', devNs)).code).toBe(0);
    const second = await json('set', `${dev}port`, '2', '--namespace', devNs);
    const id = second.data.release.id as string;
    const key = `/dials/releases/${devNs}/${id}`;
    const record = JSON.parse((await etcd.get(key).string()) as string);
    expect(record.changes).toEqual([{ key: `${dev}port`, before: '1', after: '2' }]);
    // Altered: rolling back would now write 666, which the key never held.
    record.changes[0][side] = '666';
    await etcd.put(key).value(JSON.stringify(record));
    const before = await state();
    const run = await dials('rollback', id, '--namespace', devNs, '--yes');
    expect(run.code, run.stderr).toBe(3); // CONFLICT
    expect(run.stderr).toContain(`${dev}port ${message}`);
    expect(run.stderr).toContain('nothing was written');
    expect(await state()).toEqual(before);
    expect(await etcd.get(`${dev}port`).string()).toBe('2');
  });
});

describe('dials history with malformed records', () => {
  it('skips each one (not JSON, "id": 2, changes that are not changes), names it, and lists the others; rollback of one is refused', async () => {
    const { dev, devNs, state } = team();
    expect((await dials('set', `${dev}port`, '1', '--namespace', devNs)).code).toBe(0);
    const good = { namespace: devNs, author: 'a', message: 'm', at: new Date().toISOString(), revision: 3, changes: [] };
    const bad = {
      '00000000000000000001': 'not json',
      '00000000000000000002': JSON.stringify({ ...good, id: 2 }),
      '00000000000000000003': JSON.stringify({ ...good, id: '3', changes: [42] }),
    };
    for (const [id, value] of Object.entries(bad)) await etcd.put(`/dials/releases/${devNs}/${id}`).value(value);

    const listed = await json('history', dev);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.data.releases).toHaveLength(1);
    expect(listed.data.releases[0].changes).toEqual([{ key: `${dev}port`, after: '1' }]);
    expect(listed.data.skipped).toEqual([
      { key: `/dials/releases/${devNs}/00000000000000000001`, reason: expect.stringContaining('not JSON') },
      { key: `/dials/releases/${devNs}/00000000000000000002`, reason: 'id is not text' },
      { key: `/dials/releases/${devNs}/00000000000000000003`, reason: 'changes are not a list of changes' },
    ]);
    const human = await dials('history', dev);
    expect(human.code).toBe(0);
    expect(human.stderr.match(/^skipped: /gm)).toHaveLength(3);
    expect(human.stdout.split('\n').filter((l) => /^\d+ /.test(l))).toHaveLength(1);

    const before = await state();
    const rollback = await dials('rollback', '2', '--namespace', devNs, '--yes');
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toContain('cannot be read: id is not text');
    expect(await state()).toEqual(before);
  });
});

describe('secrets in records', () => {
  it('are left out with a salted scrypt digest; rollback restores the secret from etcd history; an old SHA-256 record still rolls back', async () => {
    const { dev, devNs } = team();
    const key = `${dev}db/password`;
    const set = async (value: string) => (await json('set', key, value, '--string', '--namespace', devNs)).data.release.id as string;
    await set('s3cret-one');
    const id = await set('s3cret-two');
    await set('s3cret-one');
    const again = await set('s3cret-two');
    const record = async (release: string) => JSON.parse((await etcd.get(`/dials/releases/${devNs}/${release}`).string()) as string);
    const stored = JSON.stringify(await etcd.getAll().prefix(`/dials/releases/${devNs}/`).strings());
    expect(stored).not.toContain('s3cret');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(stored).not.toContain(sha('s3cret-one'));
    const change = (await record(id)).changes[0];
    expect(change).toMatchObject({ before: '<redacted>', after: '<redacted>', digests: { before: expect.stringMatching(/^scrypt\$/) } });
    expect(change.digests.after).not.toBe((await record(again)).changes[0].digests.after); // salted: equal values, different digests

    // A record from before digests were salted (plain SHA-256) rolls back as it did.
    const old = await record(again);
    old.changes[0].digests = { before: sha('s3cret-one'), after: sha('s3cret-two') };
    await etcd.put(`/dials/releases/${devNs}/${again}`).value(JSON.stringify(old));
    const undone = await dials('rollback', again, '--namespace', devNs, '--yes');
    expect(undone.code, undone.stderr).toBe(0);
    expect(await etcd.get(key).string()).toBe('s3cret-one');

    // Rolling back `id` (one → two) after that: the old value is read from etcd's history and checked against the scrypt digest.
    await set('s3cret-two');
    const rolled = await dials('rollback', id, '--namespace', devNs, '--yes');
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout + rolled.stderr).not.toContain('s3cret');
    expect(await etcd.get(key).string()).toBe('s3cret-one');
  });
});
