import { createOfrepKey, revokeOfrepKey } from '@dials/console';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { flagsOf, type OfrepFixture, post, serveOfrep } from './fixture.js';

// OFREP's answers as `service/openapi.yaml` has them, over real HTTP on a real etcd: keys, status
// codes, error bodies, and the bulk endpoint's ETags.
const endpoint = inject('etcdEndpoint');
let f: OfrepFixture;
let g: OfrepFixture; // another namespace, on a server of its own
beforeAll(async () => {
  [f, g] = await Promise.all([serveOfrep(endpoint), serveOfrep(endpoint, { corsOrigins: ['https://shop.example.com'] })]);
});
afterAll(async () => {
  await Promise.all([f?.close(), g?.close()]);
});

const single = (flag: string) => `${f.base}/ofrep/v1/evaluate/flags/${flag}`;
const bulk = () => `${f.base}/ofrep/v1/evaluate/flags`;
const ctx = { context: { targetingKey: 'user-1', email: 'ann@example.com' } };

/** Ask again (no fixed wait) until `done` holds or `ms` pass; the last answer and how long it took. */
async function askUntil(ask: () => ReturnType<typeof post>, done: (a: Awaited<ReturnType<typeof post>>) => boolean, ms = 5_000) {
  const start = Date.now();
  for (;;) {
    const answer = await ask();
    if (done(answer) || Date.now() - start > ms) return { answer, ms: Date.now() - start };
  }
}

describe('OFREP API keys', () => {
  it('refuses a request without a key, or with one never made, with 401 before reading its body', async () => {
    for (const url of [single('new-checkout'), bulk()]) {
      const none = await post(url, ctx);
      expect(none.status).toBe(401);
      expect(none.json?.errorDetails).toMatch(/X-API-Key, or Authorization: Bearer/);
      expect((await post(url, ctx, { 'x-api-key': 'dk_nope.nope' })).status).toBe(401);
      expect((await post(url, '{not json', {})).status).toBe(401);
    }
    const forged = `dk_${Buffer.from(f.namespace).toString('base64url')}.${'A'.repeat(32)}`;
    expect((await post(single('new-checkout'), ctx, { 'x-api-key': forged })).json?.errorDetails).toMatch(/not valid/);
  });

  it('takes the key as X-API-Key or Authorization: Bearer', async () => {
    expect((await post(single('new-checkout'), ctx, { 'x-api-key': f.key })).json).toMatchObject({ value: true });
    expect((await post(single('new-checkout'), ctx, { authorization: `Bearer ${f.key}` })).json).toMatchObject({ value: true });
  });

  it("serves a key its own namespace only: another namespace's flags are not there, and its key is no use here", async () => {
    await g.put('only-in-g', { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' });
    const mine = await post(single('only-in-g'), ctx, { 'x-api-key': f.key });
    expect(mine.status).toBe(404);
    expect(mine.json).toMatchObject({ key: 'only-in-g', errorCode: 'FLAG_NOT_FOUND' });
    const all = await post(bulk(), ctx, { 'x-api-key': f.key });
    expect(flagsOf(all).map((a) => a.key)).not.toContain('only-in-g');
    expect(all.json?.metadata).toMatchObject({ namespace: f.namespace });
    // g's key names g's namespace: on f's server it reads g's flags, never f's.
    const theirs = await post(`${f.base}/ofrep/v1/evaluate/flags`, ctx, { 'x-api-key': g.key });
    expect(theirs.json?.metadata).toMatchObject({ namespace: g.namespace });
    // f's random part under g's namespace is a key nobody made.
    const swapped = `dk_${Buffer.from(g.namespace).toString('base64url')}.${f.key.split('.')[1]}`;
    expect((await post(bulk(), ctx, { 'x-api-key': swapped })).status).toBe(401);
  });

  it('refuses a revoked key at once (the keys are watched, not cached for a while)', async () => {
    const { key, info } = await createOfrepKey(f.source, f.namespace, { label: 'short-lived' });
    const before = await askUntil(
      () => post(bulk(), ctx, { 'x-api-key': key }),
      (a) => a.status === 200,
    );
    expect(before.answer.status).toBe(200);
    expect(await revokeOfrepKey(f.source, f.namespace, info.hash)).toBe(true);
    const after = await askUntil(
      () => post(bulk(), ctx, { 'x-api-key': key }),
      (a) => a.status === 401,
    );
    expect(after.answer.status).toBe(401);
    expect(after.ms).toBeLessThan(1_000);
    expect((await post(bulk(), ctx, { 'x-api-key': f.key })).status).toBe(200); // the other key still works
  });
});

describe('OFREP answers', () => {
  const auth = () => ({ 'x-api-key': f.key });

  it('answers each kind of flag as the spec shapes it', async () => {
    const answers = await Promise.all(
      ['new-checkout', 'checkout/theme', 'old-banner', 'beta-only', 'missing', 'broken'].map((k) => post(single(k), ctx, auth())),
    );
    expect(answers.map((a) => [a.status, a.json])).toEqual([
      [200, { key: 'new-checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH', metadata: { owner: 'checkout', ticket: 42 } }],
      [200, { key: 'checkout/theme', value: 'light', variant: 'light', reason: 'DEFAULT' }],
      // No variant applies: no value (codeDefaultFlag), the caller's default stands.
      [200, { key: 'old-banner', reason: 'DISABLED' }],
      [200, { key: 'beta-only', reason: 'DEFAULT' }],
      [404, { key: 'missing', errorCode: 'FLAG_NOT_FOUND', errorDetails: "flag 'missing' not found" }],
      [400, { key: 'broken', errorCode: 'PARSE_ERROR', errorDetails: expect.stringContaining("defaultVariant 'purple'") }],
    ]);
    expect(answers[0]?.headers.get('content-type')).toMatch(/^application\/json/);
    const all = await post(bulk(), ctx, auth());
    expect(flagsOf(all).find((a) => a.key === 'broken')).toEqual({
      key: 'broken',
      errorCode: 'PARSE_ERROR',
      errorDetails: expect.stringContaining("defaultVariant 'purple'"),
    });
  });

  it('refuses a body that is not { "context": { ... } } with 400 INVALID_CONTEXT, in JSON, naming what is wrong', async () => {
    const bodies: [string, RegExp][] = [
      ['{"context": {"targetingKey": "u1"', /not JSON/],
      ['[]', /must be a JSON object/],
      ['{}', /"context" must be an object, got none/],
      ['{"context": "u1"}', /"context" must be an object, got "u1"/],
      ['{"context": {"targetingKey": 7}}', /"context.targetingKey" must be a string, got 7/],
    ];
    for (const [body, details] of bodies) {
      const one = await post(single('new-checkout'), body, auth());
      expect([one.status, one.json], body).toEqual([
        400,
        { key: 'new-checkout', errorCode: 'INVALID_CONTEXT', errorDetails: expect.stringMatching(details) },
      ]);
      const all = await post(bulk(), body, auth());
      expect([all.status, all.json], body).toEqual([400, { errorCode: 'INVALID_CONTEXT', errorDetails: expect.stringMatching(details) }]);
    }
    const plain = await fetch(single('new-checkout'), { method: 'POST', headers: auth(), body: JSON.stringify(ctx) });
    expect(plain.status).toBe(200); // no Content-Type (curl -d sends a form's): still read as JSON
  });

  it('answers a body over 256 kB with 413 in JSON, without a stack, on both endpoints', async () => {
    const body = JSON.stringify({ context: { targetingKey: 'u1', padding: 'x'.repeat(300_000) } });
    for (const url of [single('new-checkout'), bulk()]) {
      const res = await fetch(url, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body });
      const text = await res.text();
      expect([res.status, res.headers.get('content-type')], url).toEqual([413, expect.stringMatching(/^application\/json/)]);
      expect(JSON.parse(text)).toEqual({ errorDetails: 'The body is over 256 kB' });
      expect(text).not.toMatch(/<html|<pre>| at \S+ \(|node_modules/i);
    }
  });

  it('names the endpoints for a path or a method OFREP does not have', async () => {
    const get = await fetch(single('new-checkout'), { headers: auth() });
    expect([get.status, get.headers.get('allow'), ((await get.json()) as { errorDetails: string }).errorDetails]).toEqual([
      405,
      'POST',
      expect.stringContaining('evaluations are POST requests'),
    ]);
    const none = await fetch(`${f.base}/ofrep/v1/flags`, { headers: auth() });
    expect([none.status, ((await none.json()) as { errorDetails: string }).errorDetails]).toEqual([
      404,
      expect.stringContaining('POST /ofrep/v1/evaluate/flags/{key}'),
    ]);
    expect(await (await fetch(`${f.base}/ofrep/v1/configuration`)).json()).toMatchObject({ name: 'dials' });
  });
});

describe('the bulk endpoint and its ETag', () => {
  const auth = () => ({ 'x-api-key': f.key });

  it('answers 304 to If-None-Match with the current tag (a list and weak tags too), and a new tag after a change', async () => {
    const first = await post(bulk(), ctx, auth());
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await post(bulk(), ctx, { ...auth(), 'if-none-match': header });
      expect([again.status, again.text, again.headers.get('etag')], header).toEqual([304, '', etag]);
    }
    expect((await post(bulk(), ctx, { ...auth(), 'if-none-match': '"other"' })).status).toBe(200);
    await f.put('discount', { state: 'ENABLED', variants: { none: 0, some: 0.15 }, defaultVariant: 'none' });
    const changed = await askUntil(
      () => post(bulk(), ctx, { ...auth(), 'if-none-match': etag }),
      (a) => a.status === 200,
    );
    expect(changed.answer.status).toBe(200);
    expect(changed.answer.headers.get('etag')).not.toBe(etag);
    expect(flagsOf(changed.answer).find((a) => a.key === 'discount')?.value).toBe(0);
  });

  it('gives a new tag when an answer changes with time alone ($flagd.timestamp), with no write', async () => {
    // Three seconds ahead: the write and the first answer must come before it, on a loaded machine too.
    const at = Math.floor(Date.now() / 1000) + 3;
    await f.put('launch', {
      state: 'ENABLED',
      variants: { before: 'before', after: 'after' },
      defaultVariant: 'after',
      targeting: { if: [{ '<': [{ var: '$flagd.timestamp' }, at] }, 'before'] },
    });
    const first = await askUntil(
      () => post(bulk(), ctx, auth()),
      (a) => flagsOf(a).some((x) => x.key === 'launch'),
    );
    const launch = () => flagsOf(first.answer).find((x) => x.key === 'launch')?.value;
    expect(launch()).toBe('before');
    // What is awaited is the clock itself: the rule's answer turns at `at`.
    await new Promise((resolve) => setTimeout(resolve, at * 1000 - Date.now() + 20));
    const later = await post(bulk(), ctx, { ...auth(), 'if-none-match': first.answer.headers.get('etag') as string });
    expect(later.status).toBe(200);
    expect(flagsOf(later).find((x) => x.key === 'launch')?.value).toBe('after');
  });
});

describe('OFREP from web pages of other origins (CORS)', () => {
  it('lets an allowed origin send its key and read the ETag, and nobody else', async () => {
    const preflight = (origin: string) =>
      fetch(`${g.base}/ofrep/v1/evaluate/flags`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key,if-none-match',
        },
      });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries([...allowed.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
      'access-control-allow-origin': 'https://shop.example.com',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Content-Type, X-API-Key, Authorization, If-None-Match',
      'access-control-expose-headers': 'ETag',
      'access-control-max-age': '600',
    });
    expect((await preflight('https://evil.example.org')).headers.get('access-control-allow-origin')).toBeNull();
    const answer = await post(`${g.base}/ofrep/v1/evaluate/flags`, ctx, { 'x-api-key': g.key, origin: 'https://shop.example.com' });
    expect([answer.status, answer.headers.get('access-control-allow-origin'), answer.headers.get('access-control-expose-headers')]).toEqual(
      [200, 'https://shop.example.com', 'ETag'],
    );
    // Without the option (f), no page of another origin may call it.
    const closed = await post(bulk(), ctx, { 'x-api-key': f.key, origin: 'https://shop.example.com' });
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  });
});
