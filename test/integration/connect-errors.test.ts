import { createDials, type DialsError, etcdSource } from '@dials/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsEtcd, type TestPki, tlsEndpoint } from '../helpers/certs.js';
import { type EtcdServer, freePort, startAuthEtcd } from '../helpers/etcd.js';
import { uniquePrefix } from '../helpers/keys.js';

/**
 * The error ready() rejects with. A start-up that hangs fails the test by its timeout (30 s);
 * errors that retrying cannot fix are given a start-up timeout longer than that, so a retry loop
 * where none belongs fails the test too.
 */
async function readyError(dials: ReturnType<typeof createDials>): Promise<DialsError> {
  const error = (await dials.ready().then(
    () => undefined,
    (e: unknown) => e,
  )) as DialsError;
  await dials.close();
  expect(error?.name).toBe('DialsError');
  return error;
}

/** Longer than the test's own timeout: only an error given up on at once gets back in time. */
const NO_RETRY_WINDOW_MS = 120_000;

describe('connection errors name the endpoint and the cause', () => {
  it('a wrong endpoint rejects within startupTimeoutMs', async () => {
    const port = await freePort();
    const error = await readyError(
      createDials({ source: etcdSource({ endpoints: `127.0.0.1:${port}`, startupTimeoutMs: 700 }), prefix: uniquePrefix() }),
    );
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.endpoint).toBe(`127.0.0.1:${port}`);
    expect(error.message).toContain(`127.0.0.1:${port} within 700 ms`);
    expect(error.message).toContain('ECONNREFUSED');
  });

  describe('with auth', () => {
    let server: EtcdServer;
    beforeAll(async () => {
      server = await startAuthEtcd({ user: 'app', password: 'app-secret', readPrefix: '/config/shop/' });
    });
    afterAll(() => server.destroy());

    it('a wrong password rejects at once with AUTH_FAILED, never showing the password', async () => {
      const error = await readyError(
        createDials({
          source: etcdSource({
            endpoints: server.endpoint,
            auth: { username: 'app', password: 'wrong-secret-123' },
            startupTimeoutMs: NO_RETRY_WINDOW_MS,
          }),
          prefix: '/config/shop/',
        }),
      );
      expect(error.code).toBe('AUTH_FAILED');
      expect(error.message).toContain(server.endpoint);
      expect(error.message).not.toContain('wrong-secret-123');
      expect(JSON.stringify(error)).not.toContain('wrong-secret-123');
    });

    it('the right password reads the prefix the role may read', async () => {
      const source = etcdSource({ endpoints: server.endpoint, auth: { username: 'app', password: 'app-secret' } });
      const dials = createDials({ source, prefix: '/config/shop/' });
      await dials.ready();
      expect(dials.status).toBe('ready');
      await expect(source.put('/config/shop/x', '1')).rejects.toMatchObject({ code: 'PERMISSION_DENIED', key: '/config/shop/x' });
      await dials.close();
    });
  });

  describe('with TLS', () => {
    let pki: TestPki;
    let server: EtcdServer;
    let destroy: () => Promise<void>;
    beforeAll(async () => {
      ({ pki, server, destroy } = await startTlsEtcd());
    });
    afterAll(() => destroy());

    it('connects with the CA, a client certificate and its key', async () => {
      const dials = createDials({
        source: etcdSource({ endpoints: `https://${tlsEndpoint(server)}`, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } }),
        prefix: uniquePrefix(),
      });
      await dials.ready();
      expect(dials.status).toBe('ready');
      await dials.close();
    });

    it('a wrong CA rejects at once (no retries) with a TLS error naming the endpoint', async () => {
      const error = await readyError(
        createDials({
          source: etcdSource({
            endpoints: `https://${tlsEndpoint(server)}`,
            tls: { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey },
            startupTimeoutMs: NO_RETRY_WINDOW_MS,
          }),
          prefix: uniquePrefix(),
        }),
      );
      expect(error.code).toBe('TLS');
      expect(error.message).toContain(tlsEndpoint(server));
    });
  });
});
