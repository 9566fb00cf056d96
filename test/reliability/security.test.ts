import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDials, type DialsError, etcdSource } from '@dials/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTlsEtcd, type TestPki, tlsEndpoint } from '../helpers/certs.js';
import { EtcdServer, startAuthEtcd } from '../helpers/etcd.js';
import { until } from '../helpers/events.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
function dials(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('etcd RBAC: a role that may only read /config/shop/', () => {
  let server: EtcdServer;
  beforeAll(async () => {
    server = await startAuthEtcd({
      user: 'shop',
      password: 'shop-pw',
      readPrefix: '/config/shop/',
      seed: { '/config/shop/database/host': '"db"', '/config/shop/database/password': '"hunter2"', '/config/other/x': '1' },
    });
  });
  afterAll(() => server.destroy());

  const source = () => etcdSource({ endpoints: server.endpoint, auth: { username: 'shop', password: 'shop-pw' } });

  it('reads and watches its prefix; reading another prefix or writing is PERMISSION_DENIED naming the key', async () => {
    const shop = createDials({ source: source(), prefix: '/config/shop/' });
    await shop.ready();
    expect(shop.get('database/host')).toBe('db');
    await expect(shop.publish({ 'database/host': 'db-2' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(shop.fetch('/config/other/x')).rejects.toMatchObject({ code: 'PERMISSION_DENIED', key: '/config/other/x' });
    const other = createDials({ source: source(), prefix: '/config/other/' });
    const error = (await other.ready().catch((e: unknown) => e)) as DialsError;
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.message).toContain('/config/other/');
    await Promise.all([shop.close(), other.close()]);
  });

  it('the CLI never prints passwords: not in errors, not in --json, and secret values are redacted', async () => {
    const env = { ETCD_ENDPOINTS: server.endpoint };
    const wrong = await dials({ ...env, DIALS_PASSWORD: 'wrong-pw-123' }, 'get', '/config/shop/database/host', '--user', 'shop', '--json');
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('AUTH_FAILED');
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-pw-123');
    const secret = await dials({ ...env, DIALS_PASSWORD: 'shop-pw' }, 'get', '/config/shop/database/password', '--user', 'shop');
    expect(secret.stdout.trim()).toBe('<redacted>');
    const shown = await dials(
      { ...env, DIALS_PASSWORD: 'shop-pw' },
      'get',
      '/config/shop/database/password',
      '--user',
      'shop',
      '--show-secrets',
    );
    expect(shown.stdout.trim()).toBe('"hunter2"');
    const listing = await dials({ ...env, DIALS_PASSWORD: 'shop-pw' }, 'ls', '/config/shop/', '--user', 'shop', '--json');
    expect(listing.stdout).not.toContain('hunter2');
  });
});

describe('secret config keys', () => {
  it('are redacted in errors$ and never written to the snapshot file', async () => {
    const server = await EtcdServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'dials-secret-'));
    const file = join(dir, 'snap.json');
    const etcd = new Etcd3({ hosts: server.endpoint });
    await etcd.put('/config/app/database/password').value('"s3cret-value"');
    await etcd.put('/config/app/database/host').value('"db"');
    const app = createDials({
      source: etcdSource({ endpoints: server.endpoint }),
      prefix: '/config/app/',
      snapshotFile: file,
      schema: { 'database/password': z.string().min(8) },
    });
    const errors: DialsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await app.ready();
    expect(app.get('database/password')).toBe('s3cret-value'); // the application still reads it
    const reported = until(app.errors$, (e) => e.code === 'INVALID_VALUE');
    await etcd.put('/config/app/database/password').value('"short"');
    const error = await reported;
    expect(error.raw).toBeUndefined();
    expect(error.message).not.toContain('short');
    expect(error.message).not.toContain('s3cret-value');
    expect(error.message).toContain('<redacted>');
    await app.close();
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('database/host');
    expect(written).not.toContain('s3cret');
    etcd.close();
    await server.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('TLS with client certificates', () => {
  let pki: TestPki;
  let server: EtcdServer;
  let destroy: () => Promise<void>;
  beforeAll(async () => {
    ({ pki, server, destroy } = await startTlsEtcd());
  });
  afterAll(() => destroy());

  it('a client without a certificate is refused clearly, within the start-up timeout', async () => {
    const noCert = createDials({
      source: etcdSource({ endpoints: `https://${tlsEndpoint(server)}`, tls: { ca: pki.ca }, startupTimeoutMs: 1_000 }),
      prefix: '/x/',
    });
    const error = (await noCert.ready().catch((e: unknown) => e)) as DialsError;
    expect(error.name).toBe('DialsError');
    expect(['TLS', 'UNAVAILABLE']).toContain(error.code);
    expect(error.message).toContain(tlsEndpoint(server));
    await noCert.close();
  });

  it('the CLI connects with --cacert --cert --key, and fails clearly with a wrong CA', async () => {
    const env = { ETCD_ENDPOINTS: `https://${tlsEndpoint(server)}` };
    const ok = await dials(env, 'status', '--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).members[0].healthy).toBe(true);
    const bad = await dials(
      env,
      'status',
      '--cacert',
      pki.otherCa,
      '--cert',
      pki.clientCert,
      '--key',
      pki.clientKey,
      '--timeout',
      '1000',
      '--json',
    );
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.stdout).error.code).toBe('TLS');
    expect(bad.stdout).not.toContain('PRIVATE KEY');
  });
});
