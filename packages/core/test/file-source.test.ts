import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDials, type DialsError, fileSource } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dials-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fileSource', () => {
  it('maps a nested YAML document to key paths and re-reads it when it changes on disk', async () => {
    const file = join(dir, 'dials.yaml');
    writeFileSync(file, 'database:\n  host: localhost\n  port: 5432\nfeatures: [a, b]\n');
    const dials = createDials({ source: fileSource(file), prefix: '', schema: { 'database/port': z.number() } });
    await dials.ready();
    expect(dials.snapshot.values).toEqual({ 'database/host': 'localhost', 'database/port': 5432, features: ['a', 'b'] });
    const changed = firstValueFrom(dials.value$('database/port').pipe(filter((p) => p === 6543)));
    // Editors write a new file and rename it over the old one: the watch must survive that.
    writeFileSync(join(dir, 'tmp.yaml'), 'database:\n  host: localhost\n  port: 6543\n');
    renameSync(join(dir, 'tmp.yaml'), file);
    await changed;
    expect(dials.has('features')).toBe(false);
    await dials.close();
  });

  it('reports a broken edit on errors$ and keeps the last good content', async () => {
    const file = join(dir, 'dials.json');
    writeFileSync(file, JSON.stringify({ level: 'info' }));
    const dials = createDials({ source: fileSource(file, { prefix: '/config/' }), prefix: '/config/' });
    await dials.ready();
    const reported = firstValueFrom(dials.errors$);
    writeFileSync(file, '{"level": "debug",');
    const error: DialsError = await reported;
    expect(error.code).toBe('PARSE_ERROR');
    expect(error.message).toContain(file);
    expect(dials.get('level')).toBe('info');
    const fixed = firstValueFrom(dials.value$('level').pipe(filter((l) => l === 'debug')));
    writeFileSync(file, '{"level": "debug"}');
    await fixed;
    await dials.close();
  });

  it('reads an empty or truncated YAML file by the schema rule: required keys keep their last good value, optional ones go', async () => {
    const file = join(dir, 'dials.yaml');
    writeFileSync(file, 'database:\n  host: db\n  port: 5432\ntheme: dark\n');
    const schema = { 'database/host': z.string(), 'database/port': z.number(), theme: z.string().optional() };
    const dials = createDials({ source: fileSource(file), prefix: '', schema });
    await dials.ready();
    // A save that truncates first: the document ends after the host (still valid YAML).
    const truncated = firstValueFrom(dials.status$.pipe(filter((s) => s === 'degraded')));
    writeFileSync(file, 'database:\n  host: db\n');
    await truncated;
    expect(dials.refused.map((r) => `${r.path}:${r.reason}`)).toEqual(['database/port:deleted']);
    expect(dials.get('database/port')).toBe(5432);
    expect(dials.has('theme')).toBe(false);
    // An empty file: every required key refused as deleted, none lost.
    const emptied = firstValueFrom(dials.errors$.pipe(filter((e) => e.message.includes('database/host'))));
    writeFileSync(file, '');
    await emptied;
    expect(dials.snapshot.values).toEqual({ 'database/host': 'db', 'database/port': 5432 });
    const fixed = firstValueFrom(dials.status$.pipe(filter((s) => s === 'ready')));
    writeFileSync(file, 'database:\n  host: db2\n  port: 6543\n');
    await fixed;
    expect(dials.snapshot.values).toEqual({ 'database/host': 'db2', 'database/port': 6543 });
    await dials.close();
  });

  it('rejects ready() naming the file when it is missing or not a document of keys', async () => {
    const missing = createDials({ source: fileSource(join(dir, 'nope.yaml')), prefix: '' });
    await expect(missing.ready()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('nope.yaml') });
    await missing.close();
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    const list = createDials({ source: fileSource(join(dir, 'list.yaml')), prefix: '' });
    await expect(list.ready()).rejects.toMatchObject({ code: 'PARSE_ERROR' });
    await list.close();
  });

  it('refuses an edit that gives a key twice (JSON, YAML, or "a/b" beside a: {b}), naming it; the last good content stays', async () => {
    const file = join(dir, 'dials.json');
    writeFileSync(file, JSON.stringify({ level: 'info' }));
    const dials = createDials({ source: fileSource(file), prefix: '' });
    await dials.ready();
    for (const text of ['{"level": "debug", "level": "warn"}', '{"db/port": 1, "db": {"port": 2}}']) {
      const reported = firstValueFrom(dials.errors$);
      writeFileSync(file, text);
      const error: DialsError = await reported;
      expect(error).toMatchObject({ code: 'PARSE_ERROR', message: expect.stringMatching(/level appears twice|db\/port twice/) });
      expect(dials.get('level')).toBe('info');
    }
    await dials.close();
    const yaml = join(dir, 'twice.yaml');
    writeFileSync(yaml, 'level: info\nlevel: debug\n');
    const fromYaml = createDials({ source: fileSource(yaml), prefix: '' });
    await expect(fromYaml.ready()).rejects.toMatchObject({ code: 'PARSE_ERROR', message: expect.stringContaining('level') });
    await fromYaml.close();
  });
});
