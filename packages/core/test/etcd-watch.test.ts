import { EventEmitter } from 'node:events';
import type { IWatchRequest, IWatchResponse } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DialsError } from '../src/errors.js';
import { EtcdPrefixWatch, type WatchTransport } from '../src/internal/etcd-watch.js';
import type { WatchStream } from '../src/internal/etcd3-internals.js';
import type { KeyValue, RangeResult, WatchBatch } from '../src/types.js';

/** A watch stream whose responses the test writes. */
class ScriptedStream extends EventEmitter {
  readonly requests: IWatchRequest[] = [];
  cancelled = false;
  write(request: IWatchRequest): boolean {
    this.requests.push(request);
    return true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  respond(res: Partial<IWatchResponse>): void {
    this.emit('data', {
      header: { revision: '0' },
      created: false,
      canceled: false,
      compact_revision: '0',
      cancel_reason: '',
      events: [],
      ...res,
    });
  }
}

const event = (type: 'Put' | 'Delete', key: string, value: string, revision: number) =>
  ({
    type,
    kv: {
      key: Buffer.from(key),
      value: Buffer.from(value),
      mod_revision: String(revision),
      create_revision: '1',
      version: '1',
      lease: '0',
    },
  }) as IWatchResponse['events'][number];
const kv = (key: string, value: string, modRevision: number): KeyValue => ({
  key,
  value,
  modRevision,
  createRevision: 1,
  version: 1,
  lease: '0',
});

function harness(ranges: RangeResult[]) {
  const streams: ScriptedStream[] = [];
  const reads: RangeResult[] = [];
  const heard: string[] = [];
  const batches: WatchBatch[] = [];
  const errors: Error[] = [];
  let renewed = 0;
  let attempts = 0;
  const transport: WatchTransport = {
    description: 'scripted:1',
    list: async () => {
      attempts++;
      const range = ranges.shift();
      if (!range) throw new DialsError('UNAVAILABLE', 'no more scripted reads');
      reads.push(range);
      return range;
    },
    openStream: async () => {
      const stream = new ScriptedStream();
      streams.push(stream);
      return stream as unknown as WatchStream;
    },
    toError: (error, action, key) =>
      error instanceof DialsError ? error : new DialsError('UNAVAILABLE', `${action} ${key}: ${String(error)}`),
    renewTokenIf: (error) => {
      const expired = /auth token is expired/.test(String(error));
      if (expired) renewed++;
      return expired;
    },
  };
  const watch = new EtcdPrefixWatch(transport, '/p/', {
    reset: (range) => heard.push(`reset@${range.revision}:${range.kvs.map((k) => k.key).join(',')}`),
    batch: (batch) => batches.push(batch),
    status: (status) => heard.push(status),
    error: (error) => errors.push(error),
  });
  const stream = async (n: number) => {
    await vi.waitFor(() => expect(streams.length).toBeGreaterThan(n));
    return streams[n] as ScriptedStream;
  };
  return { watch, streams, reads, heard, batches, errors, stream, renewed: () => renewed, attempts: () => attempts };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EtcdPrefixWatch over a scripted stream', () => {
  it('reads at R, watches from R + 1, and delivers each revision whole and once', async () => {
    const h = harness([{ revision: 10, kvs: [kv('/p/a', '1', 3)] }]);
    h.watch.start();
    const s = await h.stream(0);
    expect(h.heard).toEqual(['reset@10:/p/a']);
    expect(h.watch.current).toBe('opening');
    expect(Number(s.requests[0]?.create_request?.start_revision)).toBe(11);
    s.respond({ created: true, header: { revision: '10' } as IWatchResponse['header'] });
    expect(h.watch.current).toBe('live');
    expect(h.heard.at(-1)).toBe('ready');
    s.respond({ events: [event('Put', '/p/a', '2', 11), event('Put', '/p/b', '3', 11), event('Delete', '/p/a', '', 12)] });
    // A revision already delivered (a replay after a reconnect) is not delivered again.
    s.respond({ events: [event('Put', '/p/a', '2', 11)] });
    expect(h.batches.map((b) => [b.revision, b.events.map((e) => `${e.type}:${e.key}`)])).toEqual([
      [11, ['put:/p/a', 'put:/p/b']],
      [12, ['delete:/p/a']],
    ]);
    await h.watch.close();
    expect(s.cancelled).toBe(true);
    expect(h.watch.current).toBe('closed');
  });

  it('goes stale on a broken stream and resumes from the last applied revision + 1 without a re-read', async () => {
    const h = harness([{ revision: 10, kvs: [] }]);
    h.watch.start();
    const first = await h.stream(0);
    first.respond({ created: true, header: { revision: '10' } as IWatchResponse['header'] });
    first.respond({ events: [event('Put', '/p/a', '1', 14)] });
    first.emit('error', new Error('14 UNAVAILABLE: connection reset'));
    expect(h.heard.at(-1)).toBe('stale');
    expect(h.watch.current).toBe('waiting');
    expect(h.errors[0]?.message).toContain('connection reset');
    await vi.advanceTimersByTimeAsync(50);
    const second = await h.stream(1);
    expect(Number(second.requests[0]?.create_request?.start_revision)).toBe(15);
    expect(h.reads).toHaveLength(1);
    second.respond({ created: true, header: { revision: '20' } as IWatchResponse['header'] });
    expect(h.heard.at(-1)).toBe('ready');
    await h.watch.close();
  });

  it('re-reads after compaction and watches on from the new read', async () => {
    const h = harness([
      { revision: 10, kvs: [kv('/p/a', '1', 3)] },
      { revision: 30, kvs: [kv('/p/b', '2', 29)] },
    ]);
    h.watch.start();
    const first = await h.stream(0);
    first.respond({ created: true, header: { revision: '10' } as IWatchResponse['header'] });
    first.respond({ canceled: true, compact_revision: '25' });
    await vi.advanceTimersByTimeAsync(0);
    const second = await h.stream(1);
    expect(h.heard).toContain('reset@30:/p/b');
    expect(Number(second.requests[0]?.create_request?.start_revision)).toBe(31);
    await h.watch.close();
  });

  it('replaces everything when the cluster comes back with a lower revision (wiped), reporting CLUSTER_RESET', async () => {
    const h = harness([
      { revision: 300, kvs: [kv('/p/a', '1', 3)] },
      { revision: 2, kvs: [kv('/p/z', '9', 2)] },
    ]);
    h.watch.start();
    const first = await h.stream(0);
    first.respond({ created: true, header: { revision: '300' } as IWatchResponse['header'] });
    first.emit('error', new Error('14 UNAVAILABLE: etcd restarted'));
    await vi.advanceTimersByTimeAsync(50);
    const second = await h.stream(1);
    second.respond({ created: true, header: { revision: '2' } as IWatchResponse['header'] });
    expect(h.errors.map((e) => (e as DialsError).code)).toContain('CLUSTER_RESET');
    await vi.advanceTimersByTimeAsync(2_000);
    const third = await h.stream(2);
    // The read at revision 2 replaces what we had at 300, and the watch goes on from 3.
    expect(h.heard).toContain('reset@2:/p/z');
    expect(Number(third.requests[0]?.create_request?.start_revision)).toBe(3);
    await h.watch.close();
  });

  it('renews an expired auth token when etcd cancels the watch for it, and says the error once', async () => {
    const h = harness([{ revision: 10, kvs: [] }]);
    h.watch.start();
    const first = await h.stream(0);
    first.respond({ canceled: true, cancel_reason: 'etcdserver: auth token is expired' });
    expect(h.renewed()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    const second = await h.stream(1);
    second.respond({ canceled: true, cancel_reason: 'etcdserver: auth token is expired' });
    expect(h.errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    const third = await h.stream(2);
    third.respond({ created: true, header: { revision: '10' } as IWatchResponse['header'] });
    expect(h.watch.current).toBe('live');
    await h.watch.close();
  });

  it('retries a failed first read with backoff, and closing stops the retries', async () => {
    const h = harness([]);
    h.watch.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.errors).toHaveLength(1);
    expect(h.watch.current).toBe('waiting');
    await vi.advanceTimersByTimeAsync(50);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.attempts()).toBe(3);
    expect(h.errors).toHaveLength(1); // the same failure again is not reported again
    await h.watch.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.attempts()).toBe(3);
    expect(h.streams).toHaveLength(0);
  });
});
