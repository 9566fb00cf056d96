import { Writable } from 'node:stream';
import { createDials, type DialsError, etcdSource } from '@dials/core';
import { bindLogLevel, bindLogLevels, consoleTarget, nestTarget, pinoTarget, winstonTarget } from '@dials/logging';
import { ConsoleLogger } from '@nestjs/common';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import winston from 'winston';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');
const etcd = rawClient(endpoint);
afterAll(() => etcd.close());

/** A writable that keeps what loggers write. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

async function setup() {
  const prefix = uniquePrefix('logging');
  const dials = createDials({ source: etcdSource({ endpoints: endpoint }), prefix });
  await dials.ready();
  /** Put a level and wait until Dials has applied it. */
  const put = async (path: string, value: string | undefined) => {
    const seen = until(dials.changes$, (c) => c.changes.some((x) => x.path === path));
    if (value === undefined) await etcd.delete().key(`${prefix}${path}`);
    else await etcd.put(`${prefix}${path}`).value(value);
    await seen;
  };
  return { prefix, dials, put };
}

describe('log level hot reload', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup();
  });
  afterAll(() => ctx.dials.close());

  it('pino: debug lines appear with debug, info lines disappear with warn, unknown levels are refused, delete restores', async () => {
    const { lines, stream } = capture();
    const logger = pino({ level: 'info' }, stream);
    const errors: DialsError[] = [];
    ctx.dials.errors$.subscribe((e) => errors.push(e));
    const sub = bindLogLevel(ctx.dials, 'logging/level', pinoTarget(logger));
    logger.debug('hidden-1');
    await ctx.put('logging/level', 'debug');
    logger.debug('shown-1');
    await ctx.put('logging/level', '"warn"');
    logger.info('hidden-2');
    logger.warn('shown-2');
    await ctx.put('logging/level', 'loud');
    expect(logger.level).toBe('warn');
    expect(errors.at(-1)).toMatchObject({ code: 'INVALID_VALUE', key: `${ctx.prefix}logging/level`, raw: 'loud' });
    await ctx.put('logging/level', undefined);
    expect(logger.level).toBe('info'); // the level the application started with
    sub.unsubscribe();
    await ctx.put('logging/level', 'error');
    expect(logger.level).toBe('info'); // unsubscribed: no longer follows the key
    const messages = lines.map((l) => JSON.parse(l).msg);
    expect(messages).toEqual(['shown-1', 'shown-2']);
  });

  it('winston and per-logger levels under logging/levels/<name>', async () => {
    const http = capture();
    const db = capture();
    const make = (stream: Writable) =>
      winston.createLogger({ level: 'info', format: winston.format.simple(), transports: [new winston.transports.Stream({ stream })] });
    const httpLogger = make(http.stream);
    const dbLogger = make(db.stream);
    const sub = bindLogLevels(ctx.dials, 'logging/levels/', { http: winstonTarget(httpLogger), db: winstonTarget(dbLogger) });
    await ctx.put('logging/levels/http', 'debug');
    httpLogger.debug('http-debug');
    dbLogger.debug('db-debug');
    await ctx.put('logging/levels/db', 'verbose'); // Nest/winston vocabulary: trace
    dbLogger.silly('db-silly');
    await new Promise((r) => setImmediate(r));
    expect(http.lines.join('\n')).toContain('http-debug');
    expect(db.lines.join('\n')).not.toContain('db-debug');
    expect(db.lines.join('\n')).toContain('db-silly');
    sub.unsubscribe();
  });

  it('the Nest logger: log ↔ info, verbose ↔ trace', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const logger = new ConsoleLogger('Shop', { logLevels: ['log', 'warn', 'error', 'fatal'], colors: false });
      const sub = bindLogLevel(ctx.dials, 'logging/nest', nestTarget(logger, { initial: 'info' }));
      logger.debug('nest-debug-hidden');
      await ctx.put('logging/nest', 'debug');
      logger.debug('nest-debug-shown');
      await ctx.put('logging/nest', 'warn');
      logger.log('nest-log-hidden');
      sub.unsubscribe();
    } finally {
      spy.mockRestore();
    }
    const text = writes.join('');
    expect(text).toContain('nest-debug-shown');
    expect(text).not.toContain('nest-debug-hidden');
    expect(text).not.toContain('nest-log-hidden');
  });

  it('console: methods below the level go quiet and come back', async () => {
    const fake = { trace: vi.fn(), debug: vi.fn(), info: vi.fn(), log: vi.fn(), warn: vi.fn(), error: vi.fn() } as unknown as Console;
    const sub = bindLogLevel(ctx.dials, 'logging/console', consoleTarget({ console: fake }));
    await ctx.put('logging/console', 'warn');
    fake.info('quiet');
    fake.warn('loud');
    await ctx.put('logging/console', 'trace');
    fake.info('back');
    sub.unsubscribe();
    expect(fake.warn).toBeDefined();
    const calls = (['info', 'warn'] as const).map(
      (m) => (fake[m] as unknown as { mock?: { calls: unknown[][] } }).mock?.calls.flat() ?? [],
    );
    expect(calls).toEqual([['back'], ['loud']]);
  });
});
