import { type DialsError, etcdHttpSource, etcdSource, listReleases, publishKeys, type Source } from '@dials/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTlsEtcd, type TestPki, tlsEndpoint } from '../helpers/certs.js';
import { type EtcdServer, freePort, startAuthEtcd } from '../helpers/etcd.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');

async function rejection(promise: Promise<unknown>): Promise<DialsError> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as DialsError;
  expect(error?.name).toBe('DialsError');
  return error;
}

/** Without the revisions, which differ between two writes of the same thing. */
const plain = (kvs: readonly { key: string; value: string; version: number }[]) =>
  kvs.map(({ key, value, version }) => ({ key, value, version }));

describe('etcdHttpSource reads and writes as etcdSource does', () => {
  let http: Source;
  let grpc: Source;
  beforeAll(async () => {
    http = etcdHttpSource({ endpoints: endpoint });
    grpc = etcdSource({ endpoints: endpoint });
    await Promise.all([http.connect(), grpc.connect()]);
  });
  afterAll(() => Promise.all([http.close(), grpc.close()]));

  it('get, list (in pages), put, delete and deletePrefix give what the gRPC source gives', async () => {
    const p = uniquePrefix('http');
    const values = { 'a/b': '1', 'a/ü ✓': '"non-ASCII"', ab: 'x', 'a/empty': '', 'a/nl': 'line\nline' };
    for (const [path, value] of Object.entries(values)) await http.put(p + path, value);
    const [viaHttp, viaGrpc] = await Promise.all([http.list(`${p}a/`), grpc.list(`${p}a/`)]);
    expect(viaHttp).toEqual(viaGrpc);
    expect(viaHttp.kvs.map((kv) => kv.key)).toEqual([`${p}a/b`, `${p}a/empty`, `${p}a/nl`, `${p}a/ü ✓`]);
    const paged = etcdHttpSource({ endpoints: endpoint, pageSize: 2 });
    const pages: number[] = [];
    expect(await paged.list(`${p}a/`, (kvs, offset) => pages.push(offset, kvs.length))).toEqual(viaGrpc);
    expect(pages).toEqual([0, 2, 2, 2]);
    await paged.close();
    expect(await http.get(`${p}a/nl`)).toEqual(await grpc.get(`${p}a/nl`));
    expect(await http.get(`${p}none`)).toBeUndefined();
    expect((await http.delete(`${p}ab`)).deleted).toBe(1);
    expect((await http.deletePrefix(`${p}a/`)).deleted).toBe(4);
    expect(plain((await grpc.list(p)).kvs)).toEqual([]);
  });

  it('transactions: compare-and-set holds, prefix compares and deletes too', async () => {
    const p = uniquePrefix('http');
    const tx = http.transactions as NonNullable<Source['transactions']>;
    const first = await tx.txn([{ type: 'put', key: `${p}k`, value: '1' }], [{ key: `${p}k`, modRevision: 0 }]);
    expect(first.succeeded).toBe(true);
    const again = await tx.txn([{ type: 'put', key: `${p}k`, value: '2' }], [{ key: `${p}k`, modRevision: 0 }]);
    expect(again).toMatchObject({ succeeded: false });
    expect((await grpc.get(`${p}k`))?.value).toBe('1');
    const guarded = await tx.txn(
      [{ type: 'delete', key: p, prefix: true }],
      [{ key: p, prefix: true, op: 'less', modRevision: first.revision + 1 }],
    );
    expect(guarded.succeeded).toBe(true);
    expect((await grpc.list(p)).kvs).toEqual([]);
  });

  it('publishKeys works on it unchanged: a release, CONFLICT, nothing recorded for no change', async () => {
    const p = uniquePrefix('http');
    const namespace = p.replace(/^\/|\/$/g, '');
    const release = await publishKeys(http, [{ key: `${p}port`, after: '5432' }], { namespace, message: 'm' });
    expect(release.changes).toEqual([{ key: `${p}port`, before: undefined, after: '5432' }]);
    expect((await listReleases(grpc, namespace)).map((r) => r.id)).toEqual([release.id]);
    const unchanged = await publishKeys(http, [{ key: `${p}port`, after: '5432' }], { namespace });
    expect(unchanged).toMatchObject({ id: '', changes: [] });
    await grpc.put(`${p}port`, '1');
    const conflict = await rejection(
      publishKeys(http, [{ key: `${p}port`, after: '2' }], { namespace, guardPrefix: p, expectRevision: release.revision }),
    );
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toContain(`${p}port`);
  });

  it('a temporary value: put with ttlMs binds the key to a lease that expires', async () => {
    const p = uniquePrefix('http');
    await http.put(`${p}t`, 'v', { ttlMs: 60_000 });
    const kv = await grpc.get(`${p}t`);
    expect(kv?.lease).not.toBe('0');
    const etcd = rawClient(endpoint);
    const ttl = await etcd.lease(60, { autoKeepAlive: false }).grant();
    etcd.close();
    expect(ttl).toMatch(/^\d+$/);
    await (http.leases as NonNullable<Source['leases']>).revoke(kv?.lease as string);
    expect(await grpc.get(`${p}t`)).toBeUndefined();
  });

  it('cannot watch: UNSUPPORTED, naming etcdSource', () => {
    expect(() => http.watch('/x/', { reset() {}, batch() {}, status() {}, error() {} })).toThrow(/etcdSource/);
  });
});

describe('etcdHttpSource errors name the endpoint and the cause', () => {
  it('nothing listening: UNAVAILABLE naming every endpoint tried; a later endpoint that answers is used', async () => {
    const port = await freePort();
    const down = etcdHttpSource({ endpoints: `127.0.0.1:${port}` });
    const error = await rejection(down.get('/k'));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    await down.close();
    const fallback = etcdHttpSource({ endpoints: [`127.0.0.1:${port}`, endpoint] });
    await fallback.connect();
    expect(await fallback.get('/nothing/here')).toBeUndefined();
    await fallback.close();
  });

  describe('with auth', () => {
    let server: EtcdServer;
    const p = '/config/http-auth/';
    beforeAll(async () => {
      server = await startAuthEtcd({ user: 'app', password: 'app-secret', readPrefix: p, seed: { [`${p}a`]: '1' } });
    });
    afterAll(() => server.destroy());

    it('reads with a token, refuses a wrong password (AUTH_FAILED) and a write the role lacks (PERMISSION_DENIED)', async () => {
      const source = etcdHttpSource({ endpoints: server.endpoint, auth: { username: 'app', password: 'app-secret' } });
      expect((await source.get(`${p}a`))?.value).toBe('1');
      const denied = await rejection(source.put(`${p}a`, '2'));
      expect(denied.code).toBe('PERMISSION_DENIED');
      expect(denied.message).toContain(`${p}a`);
      // etcd forgets its tokens when it restarts: the source asks for a new one.
      await server.stop();
      await server.start();
      expect((await source.get(`${p}a`))?.value).toBe('1');
      await source.close();
      const wrong = etcdHttpSource({ endpoints: server.endpoint, auth: { username: 'app', password: 'wrong-secret-123' } });
      const error = await rejection(wrong.connect());
      expect(error.code).toBe('AUTH_FAILED');
      expect(error.message).toContain(server.endpoint);
      expect(JSON.stringify(error) + error.message).not.toContain('wrong-secret-123');
      await wrong.close();
      const anonymous = etcdHttpSource({ endpoints: server.endpoint });
      expect((await rejection(anonymous.get(`${p}a`))).code).toMatch(/AUTH_FAILED|PERMISSION_DENIED/);
      await anonymous.close();
    });
  });

  describe('with TLS (client certificates required)', () => {
    let tls: Awaited<ReturnType<typeof startTlsEtcd>>;
    let pki: TestPki;
    beforeAll(async () => {
      tls = await startTlsEtcd();
      pki = tls.pki;
    });
    afterAll(() => tls.destroy());

    it('reads and writes with the CA and a client certificate; a wrong CA or plain http is a TLS error', async () => {
      const url = tlsEndpoint(tls.server);
      const good = etcdHttpSource({ endpoints: url, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
      await good.put('/tls/k', 'v');
      expect((await good.get('/tls/k'))?.value).toBe('v');
      await good.close();
      const wrongCa = etcdHttpSource({ endpoints: url, tls: { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey } });
      const error = await rejection(wrongCa.connect());
      expect(error.code).toBe('TLS');
      expect(error.message).toContain('localhost');
      await wrongCa.close();
      const plainHttp = etcdHttpSource({ endpoints: url.replace('https://', '') });
      const plainError = await rejection(plainHttp.connect());
      expect(plainError.message).toContain('https://');
      expect(plainError.code).toBe('TLS');
      await plainHttp.close();
    });
  });
});
