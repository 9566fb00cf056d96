import { describe, expect, it } from 'vitest';
import type { DialsError } from '../src/errors.js';
import { IN_PROGRESS_PREFIX } from '../src/in-progress.js';
import { publishKeys } from '../src/publish.js';
import { abortRelease, resumeRelease, unfinishedReleases } from '../src/release-recovery.js';
import { listReleases, type Release } from '../src/releases.js';
import { rollbackRelease } from '../src/rollback.js';
import type { Source } from '../src/types.js';
import { faulty } from './faulty.js';

const values = async (source: Source) => Object.fromEntries((await source.list('/c/')).kvs.map((kv) => [kv.key, kv.value]));

/** A publish of 7 changes (3 per transaction) whose writer "dies" at its third transaction: 3 written, the plan left behind. */
async function interrupted(extra: { key: string; after: string }[] = []) {
  const { source, state } = faulty({ failTxn: 3 });
  await source.put('/c/k0', '"old"');
  state.failRecords = true;
  const changes = [...Array.from({ length: 7 }, (_, i) => ({ key: `/c/k${i}`, after: String(i) })), ...extra];
  const error = (await publishKeys(source, changes, { namespace: 'c', message: 'seven' }).catch((e: unknown) => e)) as DialsError;
  expect(error.message).toContain('interrupted');
  state.failRecords = false;
  const {
    interrupted: [release],
  } = await unfinishedReleases(source, 'c');
  return { source, release: release as Release };
}

describe('a release whose writer died part-way', () => {
  it('is listed as unfinished, and resume writes the rest and records the whole as one release', async () => {
    const { source, release } = await interrupted();
    expect(release.changes).toHaveLength(7);
    expect(Object.keys(await values(source))).toHaveLength(3);
    const whole = await resumeRelease(source, release);
    expect(await values(source)).toEqual(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`/c/k${i}`, String(i)])));
    expect(whole).toMatchObject({ state: 'done', message: 'seven (resumed after its writer died)' });
    const history = await listReleases(source, 'c');
    expect(history.map((r) => r.id)).toEqual([whole.id]); // the plan is gone
    expect((await unfinishedReleases(source, 'c')).interrupted).toEqual([]);
    // The whole can be rolled back like any release.
    await rollbackRelease(source, whole);
    expect(await values(source)).toEqual({ '/c/k0': '"old"' });
  });

  it('refuses to resume over a write made since (a key written by the dead writer, then changed), naming it; a key never reached and untouched is fine', async () => {
    const { source, release } = await interrupted();
    await source.put('/c/k1', '"newer"'); // written by the dead writer, then changed by someone
    await expect(resumeRelease(source, release)).rejects.toMatchObject({
      code: 'CONFLICT',
      key: '/c/k1',
      message: expect.stringContaining('changed after the plan was made'),
    });
    expect((await values(source))['/c/k1']).toBe('"newer"');
    expect(Object.keys(await values(source))).toHaveLength(3); // nothing written
    await source.put('/c/k1', '1'); // as the plan would leave it: resume goes on
    await resumeRelease(source, release);
    expect(Object.keys(await values(source))).toHaveLength(7);
  });

  it('is listed as being written, not as interrupted, while its mark stands', async () => {
    const { source, release } = await interrupted();
    await source.put(`${IN_PROGRESS_PREFIX}c`, JSON.stringify({ release: release.id, author: 'ana' }));
    expect(await unfinishedReleases(source, 'c')).toMatchObject({ inProgress: [{ release: release.id }], interrupted: [] });
  });

  it('abort undoes the written part and drops the plan', async () => {
    const { source, release } = await interrupted();
    const undo = await abortRelease(source, release);
    expect(undo.rollbackOf).toBe(release.id);
    expect(undo.message).toContain('whose writer died part-way');
    expect(await values(source)).toEqual({ '/c/k0': '"old"' });
    expect((await listReleases(source, 'c')).map((r) => r.id)).toEqual([undo.id]);
  });

  it('refuses while the writer is still at work (its mark stands), and refuses a release that is not interrupted', async () => {
    const { source, release } = await interrupted();
    await source.put(`${IN_PROGRESS_PREFIX}c`, JSON.stringify({ release: release.id, author: 'ana' }));
    await expect(resumeRelease(source, release)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('still being written by ana'),
    });
    await expect(abortRelease(source, release)).rejects.toMatchObject({ code: 'CONFLICT' });
    await source.delete(`${IN_PROGRESS_PREFIX}c`);
    const whole = await resumeRelease(source, release);
    await expect(resumeRelease(source, whole)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('written whole'),
    });
  });

  it('cannot resume a secret it only has the digest of, unless it is already in place', async () => {
    const { source, release } = await interrupted([{ key: '/c/zz/password', after: '"hunter2"' }]);
    await expect(resumeRelease(source, release)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      key: '/c/zz/password',
      message: expect.stringContaining('keeps only a digest of /c/zz/password'),
    });
    expect(Object.keys(await values(source))).toHaveLength(3); // nothing more written
    await source.put('/c/zz/password', '"hunter2"'); // put in place by hand
    await resumeRelease(source, release);
    expect(Object.keys(await values(source))).toHaveLength(8);
  });
});
