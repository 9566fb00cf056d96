import { etcdSource } from '@dials/core';
import { createFlags } from '@dials/flags';
import { expect, inject, it } from 'vitest';
import { until } from '../helpers/events.js';
import { rawClient, uniquePrefix } from '../helpers/keys.js';

const endpoint = inject('etcdEndpoint');

it('evaluates flags stored one per key in etcd and follows a flip made with etcdctl-style puts', async () => {
  const prefix = uniquePrefix('flags');
  const etcd = rawClient(endpoint);
  const flag = (state: string) =>
    JSON.stringify({
      state,
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 50],
          ['off', 50],
        ],
      },
    });
  await etcd.put(`${prefix}new-checkout`).value(flag('ENABLED'));
  await etcd.put(`${prefix}$evaluators`).value('{}');
  const flags = createFlags({ source: etcdSource({ endpoints: endpoint }), prefix });
  await flags.ready();
  const users = Array.from({ length: 1_000 }, (_, i) => ({ targetingKey: `user-${i}` }));
  const on = users.filter((u) => flags.isEnabled('new-checkout', u)).length;
  expect(on).toBeGreaterThan(400); // a 50/50 rollout over 1 000 users
  expect(on).toBeLessThan(600);
  const flipped = until(flags.value$('new-checkout', users[0]), (v) => v === undefined);
  await etcd.put(`${prefix}new-checkout`).value(flag('DISABLED'));
  await flipped;
  expect(flags.evaluate('new-checkout', users[0])).toMatchObject({ reason: 'DISABLED' });
  expect(users.some((u) => flags.isEnabled('new-checkout', u))).toBe(false);
  await flags.close();
  await etcd.delete().prefix(prefix);
  etcd.close();
});
