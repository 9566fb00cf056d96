import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { CONTEXTS, DEFAULTS, inProcess, type OfrepFixture, serveOfrep } from './fixture.js';

// A service in another language: Python's standard library (urllib, json) and nothing else, against
// a real OFREP server on a real etcd, gets for every flag and context what `flags.evaluate()` gives.
const endpoint = inject('etcdEndpoint');
const script = fileURLToPath(new URL('./ofrep_client.py', import.meta.url));
let f: OfrepFixture;
beforeAll(async () => {
  f = await serveOfrep(endpoint);
});
afterAll(async () => {
  await f?.close();
});

interface Single {
  flag: string;
  context: Record<string, string>;
  status: number;
  value: unknown;
  variant: string | null;
  reason: string;
  errorCode: string | null;
  metadata: Record<string, unknown>;
}
interface Bulk {
  status: number;
  etag: string;
  flags: { key: string; value?: unknown; variant?: string; reason?: string; errorCode?: string }[];
  metadata: Record<string, unknown>;
  again: number;
  againEtag: string;
  againBody: unknown;
}

function python(input: unknown): Promise<{ single: Single[]; bulk: Bulk[] }> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [script, f.base, f.key], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin?.end(JSON.stringify(input));
  });
}

it('python3 with urllib gets the same values, variants and reasons, and a 304 for an unchanged bulk answer', async () => {
  const single = CONTEXTS.flatMap((context) => Object.entries(DEFAULTS).map(([flag, def]) => ({ flag, default: def, context })));
  const out = await python({ single, bulk: CONTEXTS.slice(0, 2) });
  expect(out.single).toHaveLength(single.length);
  for (const got of out.single) {
    const def = DEFAULTS[got.flag] as NonNullable<(typeof DEFAULTS)[string]>;
    const want = inProcess(f.local.evaluate(got.flag, got.context), def);
    const label = `${got.flag} ${got.context.targetingKey}`;
    expect(
      { value: got.value, variant: got.variant ?? undefined, reason: got.reason, errorCode: got.errorCode ?? undefined },
      label,
    ).toEqual({
      value: want.value,
      variant: want.variant,
      reason: want.reason,
      errorCode: want.errorCode,
    });
    expect(got.metadata, label).toEqual(want.errorCode === 'FLAG_NOT_FOUND' ? {} : want.flagMetadata);
    expect(got.status, label).toBe(want.errorCode === 'FLAG_NOT_FOUND' ? 404 : want.errorCode ? 400 : 200);
  }
  const [first, second] = out.bulk as [Bulk, Bulk];
  for (const [i, answer] of [first, second].entries()) {
    const context = CONTEXTS[i] as Record<string, string>;
    expect(answer).toMatchObject({ status: 200, again: 304, againEtag: answer.etag, againBody: null });
    expect(answer.etag).toMatch(/^".+"$/);
    expect(answer.metadata).toEqual({ namespace: f.namespace, revision: expect.any(Number) });
    expect(answer.flags.map((a) => a.key).sort()).toEqual(f.local.keys().sort());
    for (const a of answer.flags) {
      const want = f.local.evaluate(a.key, context);
      expect({ value: a.value, variant: a.variant, reason: a.reason, errorCode: a.errorCode }, a.key).toEqual({
        value: want.value,
        variant: want.variant,
        reason: want.errorCode ? undefined : want.reason,
        errorCode: want.errorCode,
      });
    }
  }
  expect(first.etag).not.toBe(second.etag); // the answers differ by context, and so do their tags
});
