import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdServer } from './etcd.js';

export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing here: a client trusting it must fail. */
  readonly otherCa: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

function makeCert(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

/** A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dials-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeCert(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  makeCert(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.pem'),
  };
}

/** An etcd that serves clients over TLS and requires client certificates, with its PKI; `destroy()` removes both. */
export async function startTlsEtcd(): Promise<{ pki: TestPki; server: EtcdServer; destroy(): Promise<void> }> {
  const pki = makePki();
  const server = await EtcdServer.start({ tls: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, clientCertAuth: true } });
  return {
    pki,
    server,
    destroy: async () => {
      await server.destroy();
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}

/**
 * The server's endpoint by name: the certificate holds DNS:localhost, and a TLS client given an IP
 * sets it as the TLS server name, which Node deprecates (DEP0123).
 */
export function tlsEndpoint(server: EtcdServer): string {
  return server.endpoint.replace('127.0.0.1', 'localhost');
}
