import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { grayRelease } from '../src/delivery/gray.js';
import { abandonGray, advanceGray, getGray, listGray, pauseGray, promoteGray, resumeGray } from '../src/delivery/gray-control.js';
import { grayBucket, grayStep, labelsMatch, parseGrayHeader } from '../src/delivery/gray-model.js';
import { createDials, type Dials } from '../src/dials.js';
import type { DialsError } from '../src/errors.js';
import { fleetStatus } from '../src/fleet/fleet-status.js';
import { memorySource } from '../src/memory-source.js';
import { listReleases } from '../src/releases.js';
import { rollbackRelease } from '../src/rollback.js';
import type { SchemaMap } from '../src/schema.js';
import type { Source } from '../src/types.js';

const prefix = '/config/shop/prod/';
const namespace = 'config/shop/prod';
const opened: Pick<Dials, 'close'>[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

async function instance(source: Source, id: string, labels: Record<string, string>, extra: { schema?: SchemaMap } = {}) {
  const dials = createDials({ source, prefix, instanceId: id, labels, ...extra });
  opened.push(dials);
  await dials.ready();
  return dials;
}

const writer = (source: Source) => {
  const dials = createDials({ source, prefix, gray: false });
  opened.push(dials);
  return dials;
};

describe('gray releases on the memory source', () => {
  it('only instances whose labels match apply the values; the keys stay as they were and the release is recorded', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10, [`${prefix}mode`]: '"safe"' } });
    const canary = await instance(source, 'c1', { canary: 'true', zone: 'eu' });
    const stable = await instance(source, 's1', { canary: 'false' });
    const unlabelled = await instance(source, 'u1', {});
    const seen: number[] = [];
    canary.changes$.subscribe((set) => seen.push(set.changes.length));

    const release = await writer(source).publish(
      { pool: 20, mode: 'fast' },
      { gray: { labels: { canary: 'true' } }, message: 'bigger pool' },
    );
    const id = release.gray?.id as string;
    expect(id).toMatch(/^g-[0-9a-f]{8}$/);
    expect([canary.get('pool'), canary.get('mode')]).toEqual([20, 'fast']);
    expect(seen).toEqual([2]); // both values in one emission
    expect(canary.grayReleases).toEqual([id]);
    for (const other of [stable, unlabelled]) {
      expect([other.get('pool'), other.get('mode'), other.grayReleases]).toEqual([10, 'safe', []]);
    }
    expect((await source.get(`${prefix}pool`))?.value).toBe('10');
    expect((await source.get(`/dials/gray/${namespace}/${id}/pool`))?.value).toBe('20');

    const [recorded] = await listReleases(source, namespace);
    expect(recorded).toMatchObject({
      id: release.id,
      message: 'bigger pool',
      gray: { id, labels: { canary: 'true' } },
      changes: [
        { key: `${prefix}pool`, before: '10', after: '20' },
        { key: `${prefix}mode`, before: '"safe"', after: '"fast"' },
      ],
    });
    // It never wrote its keys: rollback is refused, pointing at abandon.
    await expect(rollbackRelease(source, recorded as never)).rejects.toThrow(/dials gray abandon/);
    expect((await getGray(source, namespace, id)).values.map((v) => v.key)).toEqual([`${prefix}mode`, `${prefix}pool`]);
  });

  it('promote writes the values for everyone as one release linked to it and removes the overlay; the canary never flickers', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const canary = await instance(source, 'c1', { canary: 'true' });
    const stable = await instance(source, 's1', { canary: 'false' });
    const { gray } = await writer(source).publish({ pool: 20 }, { gray: { labels: { canary: 'true' } } });
    const canaryValues: unknown[] = [];
    canary.value$('pool').subscribe((v) => canaryValues.push(v));

    const promoted = await promoteGray(source, namespace, gray?.id as string, { author: 'ana' });
    expect(promoted).toMatchObject({ promotes: gray?.id, author: 'ana', changes: [{ key: `${prefix}pool`, before: '10', after: '20' }] });
    expect([canary.get('pool'), stable.get('pool')]).toEqual([20, 20]);
    expect(canaryValues).toEqual([20]);
    expect(canary.grayReleases).toEqual([]);
    expect((await source.list(`/dials/gray/${namespace}/`)).kvs).toEqual([]);
    expect((await listReleases(source, namespace)).filter((r) => r.promotes)).toHaveLength(1);
  });

  it('abandon drops the overlay in one transaction: matching instances return to the base values at once, recorded', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const canary = await instance(source, 'c1', { canary: 'true' });
    const { gray } = await writer(source).publish({ pool: 20, extra: true }, { gray: { labels: { canary: 'true' } } });
    expect([canary.get('pool'), canary.get('extra')]).toEqual([20, true]);
    const sets: number[] = [];
    canary.changes$.subscribe((set) => sets.push(set.changes.length));
    const abandoned = await abandonGray(source, namespace, gray?.id as string, { author: 'bo' });
    expect([canary.get('pool'), canary.has('extra')]).toEqual([10, false]);
    expect(sets).toEqual([2]);
    expect(abandoned).toMatchObject({ abandons: gray?.id, author: 'bo', changes: [] });
    expect((await listReleases(source, namespace))[0]?.abandons).toBe(gray?.id);
    await expect(abandonGray(source, namespace, gray?.id as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('steps by time: exactly the instances the hash puts under each step, the same ones staying in; paused time left out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const ids = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
    const fleet = await Promise.all(ids.map((id) => instance(source, id, { canary: 'true' })));
    const { gray } = await writer(source).publish(
      { pool: 20 },
      { gray: { labels: { canary: 'true' }, steps: [10, 50, 100], stepMs: 60_000 } },
    );
    const id = gray?.id as string;
    const on = () => ids.filter((_, i) => fleet[i]?.get('pool') === 20);
    const expected = (percent: number) => ids.filter((i) => grayBucket(id, i) < percent);
    expect(expected(50).length).toBeGreaterThan(expected(10).length); // the sample is not degenerate
    expect(on()).toEqual(expected(10));
    vi.advanceTimersByTime(59_999);
    expect(on()).toEqual(expected(10));
    vi.advanceTimersByTime(1);
    expect(on()).toEqual(expected(50));
    await pauseGray(source, namespace, id);
    vi.advanceTimersByTime(10 * 60_000);
    expect(on()).toEqual(expected(50));
    await expect(advanceGray(source, namespace, id)).rejects.toThrow(/paused/);
    await resumeGray(source, namespace, id);
    vi.advanceTimersByTime(59_999);
    expect(on()).toEqual(expected(50));
    vi.advanceTimersByTime(1);
    expect(on()).toEqual(ids);
    expect((await getGray(source, namespace, id)).step).toEqual({ index: 2, percent: 100 });
  });

  it('steps by hand: advance moves to the next step, refused at the last', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const ids = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
    const fleet = await Promise.all(ids.map((id) => instance(source, id, { canary: 'true' })));
    const { gray } = await writer(source).publish({ pool: 20 }, { gray: { labels: { canary: 'true' }, steps: [25, 100] } });
    const id = gray?.id as string;
    const on = () => ids.filter((_, i) => fleet[i]?.get('pool') === 20);
    expect(on()).toEqual(ids.filter((i) => grayBucket(id, i) < 25));
    expect((await advanceGray(source, namespace, id)).step.percent).toBe(100);
    expect(on()).toEqual(ids);
    await expect(advanceGray(source, namespace, id)).rejects.toThrow(/last step/);
  });

  it('an instance that restarts mid-release serves the gray values from ready() on', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const { gray } = await writer(source).publish({ pool: 20 }, { gray: { labels: { canary: 'true' } } });
    const first = await instance(source, 'c1', { canary: 'true' });
    expect(first.get('pool')).toBe(20);
    await first.close();
    // The overlay's first read arrives well after the prefix's: ready() must still wait for it.
    const slow: Source = {
      ...source,
      watch: (watched, listener) =>
        source.watch(
          watched,
          watched.startsWith('/dials/gray/') ? { ...listener, reset: (r) => void setTimeout(() => listener.reset(r), 50) } : listener,
        ),
    };
    const again = createDials({ source: slow, prefix, instanceId: 'c1', labels: { canary: 'true' } });
    opened.push(again);
    await again.ready();
    expect([again.get('pool'), again.grayReleases]).toEqual([20, [gray?.id]]);
  });

  it("an overlay value is checked by the instance's own schema: refused, the last good value stays, and it returns with abandon", async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const canary = await instance(source, 'c1', { canary: 'true' }, { schema: { pool: z.number().max(50) } });
    const errors: DialsError[] = [];
    canary.errors$.subscribe((e) => errors.push(e));
    const { gray } = await grayRelease(source, [{ key: `${prefix}pool`, after: '99' }], {
      namespace,
      gray: { labels: { canary: 'true' } },
    });
    const key = `/dials/gray/${namespace}/${gray?.id}/pool`;
    expect(canary.get('pool')).toBe(10);
    expect(errors).toMatchObject([{ code: 'INVALID_VALUE', key }]);
    expect(canary.refused).toMatchObject([{ path: 'pool', key, reason: 'invalid', kept: true }]);
    await abandonGray(source, namespace, gray?.id as string);
    expect([canary.get('pool'), canary.refused]).toEqual([10, []]);
  });

  it('refuses, writing nothing, what a registered schema refuses (force records it), deletes, keys outside the namespace, unsafe keys and bad steps', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const app = createDials({ source, prefix, app: 'shop', report: true, schema: { pool: z.number().max(50) } });
    opened.push(app);
    await app.ready();
    await vi.waitFor(async () => expect(await source.get(`/dials/schemas/${namespace}/shop`)).toBeDefined());
    const canary = { labels: { canary: 'true' } };
    const write = (key: string, after: string | undefined, gray: object = canary) =>
      grayRelease(source, [{ key, after }], { namespace, gray: gray as never });
    await expect(write(`${prefix}pool`, '99')).rejects.toMatchObject({
      code: 'INVALID_VALUE',
      message: expect.stringContaining('refused by shop'),
    });
    await expect(write(`${prefix}pool`, undefined)).rejects.toThrow(/only sets values/);
    await expect(write('/config/shop/dev/pool', '1')).rejects.toThrow(/does not lie under/);
    await expect(write(`${prefix}a/__proto__/b`, '1')).rejects.toMatchObject({ code: 'UNSAFE_KEY' });
    await expect(write(`${prefix}pool`, '1', { labels: {}, steps: [50, 10] })).rejects.toThrow(/steps must grow/);
    await expect(write(`${prefix}pool`, '1', { labels: {}, stepMs: 10 })).rejects.toThrow(/stepMs needs steps/);
    await expect(write(`${prefix}pool`, '1', { labels: { canary: true } })).rejects.toThrow(/not text/);
    await expect(writer(source).publish({ pool: 1 }, { gray: canary, ttlMs: 1000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await source.list('/dials/gray/')).kvs).toEqual([]);
    expect(await listReleases(source, namespace)).toEqual([]);
    const forced = await grayRelease(source, [{ key: `${prefix}pool`, after: '99' }], { namespace, gray: canary, force: true });
    expect(forced.forced?.refused).toMatchObject([{ key: `${prefix}pool`, apps: ['shop'] }]);
  });

  it('skips a malformed header or an unsafe value with an error naming the key; odd label values compare as text; the later release wins a path', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10, [`${prefix}mode`]: '"safe"' } });
    const canary = await instance(source, 'c1', { canary: 'true', tier: '2' });
    const errors: DialsError[] = [];
    canary.errors$.subscribe((e) => errors.push(e));
    const base = `/dials/gray/${namespace}/`;
    const header = (id: string, extra: object) =>
      JSON.stringify({ id, namespace, startedAt: '2026-01-01T00:00:00Z', author: 'x', message: '', state: 'active', ...extra });
    await source.put(`${base}g-broken`, '{"id":');
    await source.put(`${base}g-broken/pool`, '1');
    await source.put(`${base}g-odd/pool`, '30');
    await source.put(`${base}g-odd/__proto__/polluted`, 'true');
    await source.put(`${base}g-odd`, header('g-odd', { labels: { canary: true, tier: 2 } }));
    expect(canary.get('pool')).toBe(30);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(errors.map((e) => [e.code, e.key])).toEqual([
      ['PARSE_ERROR', `${base}g-broken`],
      ['UNSAFE_KEY', `${base}g-odd/__proto__/polluted`],
    ]);
    await source.put(`${base}g-later/pool`, '40');
    await source.put(`${base}g-later`, header('g-later', { labels: {}, startedAt: '2026-02-01T00:00:00Z' }));
    expect([canary.get('pool'), canary.grayReleases]).toEqual([40, ['g-odd', 'g-later']]);
    await source.put(`${base}g-wrong`, header('g-other', { labels: {} }));
    expect(errors.at(-1)?.message).toMatch(/g-wrong cannot be read .*names/);
    expect((await listGray(source, namespace, { onSkipped: () => undefined })).map((g) => g.release.id)).toEqual(['g-odd', 'g-later']);
  });

  it('each instance reports the gray releases it is on, and the fleet groups them', async () => {
    const source = memorySource({ initial: { [`${prefix}pool`]: 10 } });
    const options = { source, prefix, report: true, reportTtlMs: 1000 };
    const members = ['a', 'b', 'c'].map((id) =>
      createDials({ ...options, instanceId: id, labels: { canary: id === 'c' ? 'false' : 'true' } }),
    );
    opened.push(...members);
    await Promise.all(members.map((m) => m.ready()));
    const { gray } = await writer(source).publish({ pool: 20 }, { gray: { labels: { canary: 'true' } } });
    await vi.waitFor(async () => expect((await fleetStatus(source, namespace)).gray).toEqual({ [gray?.id as string]: ['a', 'b'] }));
    const fleet = await fleetStatus(source, namespace);
    expect(fleet.instances.find((i) => i.id === 'c')?.gray).toEqual([]);
  });
});

describe('gray release rules', () => {
  it('a step is the hand steps plus the timed ones, paused time left out, capped at the last', () => {
    const release = { ...base(), steps: [10, 50, 100], stepMs: 1000 };
    const start = Date.parse(release.startedAt);
    expect(grayStep(release, start + 999)).toEqual({ index: 0, percent: 10, nextAt: start + 1000 });
    expect(grayStep(release, start + 1000)).toEqual({ index: 1, percent: 50, nextAt: start + 2000 });
    expect(grayStep({ ...release, step: 1 }, start)).toEqual({ index: 1, percent: 50, nextAt: start + 1000 });
    expect(grayStep({ ...release, pausedMs: 500 }, start + 1200)).toEqual({ index: 0, percent: 10, nextAt: start + 1500 });
    expect(grayStep({ ...release, paused: true, pausedAt: new Date(start + 500).toISOString() }, start + 99_000)).toEqual({
      index: 0,
      percent: 10,
    });
    expect(grayStep(release, start + 99_000)).toEqual({ index: 2, percent: 100 });
    expect(grayStep(base(), start)).toEqual({ index: 0, percent: 100 });
  });

  it('labels match when the instance has every selected one, as text', () => {
    expect(labelsMatch({}, {})).toBe(true);
    expect(labelsMatch({ canary: 'true' }, { canary: 'true', zone: 'eu' })).toBe(true);
    expect(labelsMatch({ canary: 'true' }, { canary: 'True' })).toBe(false);
    expect(labelsMatch({ __proto__: 'x' } as never, {})).toBe(true); // a literal __proto__ sets the prototype, not a label
    expect(labelsMatch(JSON.parse('{"__proto__":"x"}'), {})).toBe(false);
  });

  it('the hash spreads instances evenly and does not depend on the step', () => {
    const buckets = Array.from({ length: 2000 }, (_, i) => grayBucket('g-00000001', `pod-${i}`));
    expect(buckets.filter((b) => b < 10).length).toBeGreaterThan(140);
    expect(buckets.filter((b) => b < 10).length).toBeLessThan(260);
    expect(grayBucket('g-00000001', 'pod-1')).toBe(buckets[1]);
  });

  it('a header names itself, its state and its fields, or says what is wrong', () => {
    const good = JSON.stringify(base());
    expect(parseGrayHeader(good, namespace, 'g-1')).toMatchObject({ id: 'g-1', labels: { canary: 'true' } });
    expect(parseGrayHeader(good, namespace, 'g-2')).toMatch(/names/);
    expect(parseGrayHeader(JSON.stringify({ ...base(), state: 'done' }), namespace, 'g-1')).toMatch(/state/);
    expect(parseGrayHeader(JSON.stringify({ ...base(), steps: [0] }), namespace, 'g-1')).toMatch(/percentage/);
    expect(parseGrayHeader(JSON.stringify({ ...base(), labels: [] }), namespace, 'g-1')).toMatch(/labels/);
    expect(parseGrayHeader('[]', namespace, 'g-1')).toBe('not an object');
  });
});

function base() {
  return {
    id: 'g-1',
    namespace,
    labels: { canary: 'true' },
    startedAt: '2026-03-01T10:00:00.000Z',
    author: 'ana',
    message: '',
    state: 'active' as const,
  };
}
