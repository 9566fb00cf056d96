import type { Etcd3, Lease as EtcdLease } from 'etcd3';
import { DialsError, messageOf } from '../errors.js';
import type { Lease, Leases } from '../types.js';
import { toDialsError } from './etcd-errors.js';

/** etcd's leases: whole seconds, at least one. */
const seconds = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs / 1000));

/** Leases on etcd through etcd3 (its `Lease` keeps one alive); `close()` revokes the ones still held. */
export class EtcdLeases implements Leases {
  private readonly held = new Set<EtcdLease>();

  constructor(
    private readonly client: Etcd3,
    private readonly description: string,
  ) {}

  async grant(ttlMs: number): Promise<string> {
    try {
      return (await this.client.leaseClient.leaseGrant({ TTL: seconds(ttlMs) })).ID;
    } catch (error) {
      throw toDialsError(error, this.description, 'Granting a lease');
    }
  }

  async keepAlive(ttlMs: number): Promise<Lease> {
    const lease = this.client.lease(seconds(ttlMs));
    const controller = new AbortController();
    let id = '';
    lease.on('lost', (error) => {
      this.held.delete(lease);
      controller.abort(
        new DialsError('UNAVAILABLE', `Lease ${id} at etcd ${this.description} was lost: ${messageOf(error)}`, {
          endpoint: this.description,
          cause: error,
        }),
      );
    });
    try {
      id = await lease.grant();
    } catch (error) {
      lease.removeAllListeners('lost');
      throw toDialsError(error, this.description, 'Granting a lease');
    }
    this.held.add(lease);
    return {
      id,
      signal: controller.signal,
      revoke: async () => {
        this.held.delete(lease);
        lease.removeAllListeners('lost');
        await lease.revoke().catch(() => undefined);
      },
    };
  }

  async revoke(id: string): Promise<void> {
    try {
      await this.client.leaseClient.leaseRevoke({ ID: id });
    } catch (error) {
      throw toDialsError(error, this.description, `Revoking lease ${id}`);
    }
  }

  async remainingMs(id: string): Promise<number | undefined> {
    try {
      const { TTL } = await this.client.leaseClient.leaseTimeToLive({ ID: id });
      const seconds = Number(TTL);
      return seconds < 0 ? undefined : seconds * 1000;
    } catch (error) {
      throw toDialsError(error, this.description, `Reading lease ${id}`);
    }
  }

  /** Revoke every lease still kept alive: its keep-alive timers would hold the process open. */
  async close(): Promise<void> {
    const leases = [...this.held];
    this.held.clear();
    await Promise.all(
      leases.map((lease) => {
        lease.removeAllListeners('lost');
        return lease.revoke().catch(() => undefined);
      }),
    );
  }
}
