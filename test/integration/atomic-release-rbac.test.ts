import { createDials, type DialsError, etcdSource, publishKeys } from '@dials/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { EtcdServer } from '../helpers/etcd.js';

// A reader whose etcd role may not read /dials/in-progress/ cannot hold releases: it says so once,
// naming the prefix to grant, and goes on applying each transaction as it comes.
const ROOT = 'root-pw-atomic';
let server: EtcdServer;

beforeAll(async () => {
  server = await EtcdServer.start();
  const root = new Etcd3({ hosts: server.endpoint });
  await root.put('/config/shop/prod/k0').value('"old"');
  await root.user('root').create(ROOT);
  await root.role('root').create();
  await root.user('root').addRole('root');
  await root.role('shop-reader').create();
  await root.role('shop-reader').grant({ permission: 'Read', range: root.range({ prefix: '/config/shop/prod/' }) });
  await root.user('svc').create('svc-pw');
  await root.user('svc').addRole('shop-reader');
  await root.auth.authEnable();
  root.close();
});
afterAll(() => server.destroy());

it('a reader without read on /dials/in-progress/ reports PERMISSION_DENIED once and still applies every change', async () => {
  const dials = createDials({
    source: etcdSource({ endpoints: server.endpoint, auth: { username: 'svc', password: 'svc-pw' } }),
    prefix: '/config/shop/prod/',
    report: false,
  });
  const errors: DialsError[] = [];
  dials.errors$.subscribe((e) => errors.push(e));
  await dials.ready();
  await vi.waitFor(() => expect(errors.map((e) => e.code)).toContain('PERMISSION_DENIED'), { timeout: 10_000 });
  expect(errors.find((e) => e.code === 'PERMISSION_DENIED')).toMatchObject({ key: '/dials/in-progress/' });

  const writer = etcdSource({ endpoints: server.endpoint, auth: { username: 'root', password: ROOT } });
  const changes = Array.from({ length: 300 }, (_, i) => ({ key: `/config/shop/prod/k${i}`, after: '"new"' }));
  await publishKeys(writer, changes, { namespace: 'config/shop/prod', message: 'three transactions' });
  await vi.waitFor(() => expect(Object.values(dials.snapshot.values).filter((v) => v === 'new')).toHaveLength(300), {
    timeout: 10_000,
  });
  expect(errors.filter((e) => e.code === 'PERMISSION_DENIED')).toHaveLength(1);
  expect(dials.status).toBe('ready');
  await dials.close();
  await writer.close();
});
