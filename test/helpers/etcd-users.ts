import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { EtcdServer } from './etcd.js';

export interface EtcdUser {
  readonly password: string;
  /** Prefixes the user may read. */
  readonly read?: readonly string[];
  /** Prefixes the user may read and write. */
  readonly write?: readonly string[];
}

/**
 * A single-node etcd with auth on: `root` (its password returned) and each user with a role of its
 * own over the given prefixes, as an operator would set up the console's and OFREP's users.
 */
export async function startEtcdWithUsers(users: Readonly<Record<string, EtcdUser>>): Promise<{ server: EtcdServer; root: Etcd3 }> {
  const server = await EtcdServer.start();
  const rootPassword = `root-${randomUUID()}`;
  const setup = new Etcd3({ hosts: server.endpoint });
  try {
    await setup.user('root').create(rootPassword);
    await setup.role('root').create();
    await setup.user('root').addRole('root');
    for (const [name, user] of Object.entries(users)) {
      const role = setup.role(`${name}-role`);
      await role.create();
      for (const prefix of user.read ?? []) await role.grant({ permission: 'Read', range: setup.range({ prefix }) });
      for (const prefix of user.write ?? []) await role.grant({ permission: 'Readwrite', range: setup.range({ prefix }) });
      await setup.user(name).create(user.password);
      await setup.user(name).addRole(`${name}-role`);
    }
    await setup.auth.authEnable();
  } finally {
    setup.close();
  }
  return { server, root: new Etcd3({ hosts: server.endpoint, auth: { username: 'root', password: rootPassword } }) };
}
