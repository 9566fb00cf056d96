import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDials } from '../src/dials.js';
import type { DialsError } from '../src/errors.js';
import { memorySource } from '../src/memory-source.js';

describe('secrets stay out of errors, refusals and the snapshot file', () => {
  it('on every path a value can take', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dials-redaction-'));
    const file = join(dir, 'snap.json');
    const source = memorySource({
      initial: {
        '/c/host': 'db',
        '/c/database': { host: 'db', password: 'hunter2' },
        '/c/sentry_dsn': 'https://k@sentry.io/1',
        '/c/url': 'postgres://app:hunter2@db/shop',
        '/c/stripe_key': 'sk_live_1',
      },
    });
    const dials = createDials({
      source,
      prefix: '/c/',
      snapshotFile: file,
      schema: { 'db/password': z.string().min(20), url: z.string().startsWith('mysql:') },
    });
    const errors: DialsError[] = [];
    dials.errors$.subscribe((e) => errors.push(e));
    await dials.ready();
    await source.put('/c/db/password', '"hunter3"');
    await expect(dials.publish({ 'db/password': 'hunter4' })).rejects.toSatisfy(
      (e: DialsError) => !e.message.includes('hunter4') && e.raw === undefined,
    );
    await dials.close();
    const everything = JSON.stringify([errors.map((e) => [e.message, e.raw]), dials.refused, readFileSync(file, 'utf8')]);
    for (const secret of ['hunter2', 'hunter3', 'sk_live_1', 'https://k@']) expect(everything).not.toContain(secret);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).layers['/c/'])).toEqual(['host']);
    expect(dials.refused.map((r) => r.path).sort()).toEqual(['db/password', 'url']);
    rmSync(dir, { recursive: true, force: true });
  });
});
