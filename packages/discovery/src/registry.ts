import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createDials, type Dials, DialsError, EtcdSource, type PrefixWatch, releaseSource, retainSource, type Source } from '@dials/core';
import type { Lease } from 'etcd3';
import { defer, map, type Observable, ReplaySubject, Subject, share, switchMap } from 'rxjs';

/** One instance of a service, as registered. */
export interface ServiceInstance {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly registeredAt: string;
}

export interface RegisterOptions {
  /** How long the instance outlives this process's last keep-alive (lease TTL, whole seconds on etcd). Default 10 000 ms. */
  readonly ttlMs?: number;
  /** Instance id. Default `<hostname>-<random>`. */
  readonly id?: string;
}

export type RegistryEvent =
  | { readonly type: 'registered' | 'reregistered' | 'deregistered'; readonly name: string; readonly id: string }
  | { readonly type: 'lost'; readonly name: string; readonly id: string; readonly error: DialsError };

export interface Registration {
  readonly name: string;
  readonly id: string;
  readonly key: string;
  /** Remove the instance now (revokes its lease). */
  deregister(): Promise<void>;
}

export interface RegistryOptions {
  /** An etcd source: registration needs leases with keep-alive. */
  readonly source: Source;
  /** Where instances live. Default `/services/`. */
  readonly prefix?: string;
}

/**
 * A service registry on etcd leases: `register()` keeps an instance alive while this process
 * lives, re-registers by itself when the lease is lost, and `instances$()` follows the live list.
 *
 * @example
 * const registry = createRegistry({ source });
 * await registry.register('checkout', { host: '10.0.0.5', port: 8080 }, { ttlMs: 10_000 });
 * registry.instances$('checkout').subscribe((list) => balancer.update(list));
 */
export function createRegistry(options: RegistryOptions): Registry {
  return new Registry(options);
}

class Registered implements Registration {
  lease: Lease | undefined;
  closed = false;
  retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly key: string,
    readonly value: string,
    readonly ttlSeconds: number,
    private readonly registry: Registry,
  ) {}

  deregister(): Promise<void> {
    return this.registry.deregister(this);
  }
}

export class Registry {
  readonly source: EtcdSource;
  readonly prefix: string;
  private readonly eventsSubject = new Subject<RegistryEvent>();
  /** Registered, lost, re-registered and deregistered instances of this process. */
  readonly events$ = this.eventsSubject.asObservable();
  private readonly registrations = new Set<Registered>();
  private readonly watches = new Map<string, { dials: Dials; list$: Observable<ServiceInstance[]> }>();

  constructor(options: RegistryOptions) {
    if (!(options.source instanceof EtcdSource)) {
      throw new DialsError('INVALID_ARGUMENT', `createRegistry needs an etcd source (leases with keep-alive); got ${options.source.kind}`);
    }
    this.source = options.source;
    this.prefix = options.prefix ?? '/services/';
    retainSource(this.source);
  }

  /** Register an instance under `<prefix><name>/<id>`, bound to a kept-alive lease. */
  async register(
    name: string,
    instance: { host: string; port: number; meta?: Record<string, unknown> },
    options: RegisterOptions = {},
  ): Promise<Registration> {
    const id = options.id ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    const key = `${this.prefix}${name}/${id}`;
    const value: ServiceInstance = {
      id,
      host: instance.host,
      port: instance.port,
      meta: instance.meta ?? {},
      registeredAt: new Date().toISOString(),
    };
    const registration = new Registered(
      name,
      id,
      key,
      JSON.stringify(value),
      Math.max(1, Math.ceil((options.ttlMs ?? 10_000) / 1000)),
      this,
    );
    await this.bind(registration);
    this.registrations.add(registration);
    this.eventsSubject.next({ type: 'registered', name, id });
    return registration;
  }

  private async bind(registration: Registered): Promise<void> {
    const lease = this.source.client.lease(registration.ttlSeconds);
    lease.on('lost', (error) => this.onLost(registration, lease, error));
    try {
      await lease.put(registration.key).value(registration.value);
    } catch (error) {
      lease.removeAllListeners('lost');
      await lease.revoke().catch(() => undefined);
      throw new DialsError(
        'UNAVAILABLE',
        `Registering ${registration.key} at etcd ${this.source.description} failed: ${(error as Error).message}`,
        {
          key: registration.key,
          endpoint: this.source.description,
          cause: error,
        },
      );
    }
    registration.lease = lease;
  }

  /** The lease is gone (etcd restarted, the network was cut longer than the TTL): register again until it works. */
  private onLost(registration: Registered, lease: Lease, error: Error): void {
    if (registration.closed || registration.lease !== lease) return;
    registration.lease = undefined;
    lease.removeAllListeners('lost');
    const lost = new DialsError('UNAVAILABLE', `Lease of ${registration.key} lost (${error.message}); registering again`, {
      key: registration.key,
      cause: error,
    });
    this.eventsSubject.next({ type: 'lost', name: registration.name, id: registration.id, error: lost });
    let delay = 100;
    const attempt = () => {
      registration.retry = undefined;
      if (registration.closed) return;
      this.bind(registration).then(
        () => {
          if (registration.closed) {
            void registration.lease?.revoke().catch(() => undefined);
            return;
          }
          this.eventsSubject.next({ type: 'reregistered', name: registration.name, id: registration.id });
        },
        () => {
          delay = Math.min(delay * 2, 2_000);
          registration.retry = setTimeout(attempt, delay);
        },
      );
    };
    attempt();
  }

  /** Remove an instance now. */
  async deregister(registration: Registration): Promise<void> {
    const r = registration as Registered;
    if (r.closed) return;
    r.closed = true;
    if (r.retry) clearTimeout(r.retry);
    this.registrations.delete(r);
    const lease = r.lease;
    r.lease = undefined;
    if (lease) {
      lease.removeAllListeners('lost');
      await lease.revoke().catch(() => undefined);
    }
    this.eventsSubject.next({ type: 'deregistered', name: r.name, id: r.id });
  }

  /** The live instances of `name`: the list now, then on every change. One watch per name, shared. */
  instances$(name: string): Observable<ServiceInstance[]> {
    let entry = this.watches.get(name);
    if (!entry) {
      const dials = createDials({ source: this.source, prefix: `${this.prefix}${name}/` });
      // Nothing until the list is loaded: an empty list would mean "no instances", not "not yet known".
      const list$ = defer(() => dials.ready()).pipe(
        switchMap(() => dials.config$),
        map(() => Object.values(dials.snapshot.values).filter(isInstance)),
        share({ connector: () => new ReplaySubject<ServiceInstance[]>(1), resetOnRefCountZero: false }),
      );
      entry = { dials, list$ };
      this.watches.set(name, entry);
    }
    return entry.list$;
  }

  /** The instances of `name` once. */
  async discover(name: string): Promise<ServiceInstance[]> {
    const { kvs } = await this.source.list(`${this.prefix}${name}/`);
    return kvs.map((kv) => JSON.parse(kv.value) as unknown).filter(isInstance);
  }

  /** Deregister everything this process registered, stop watching, and release the source (closed when nothing else uses it). */
  async close(): Promise<void> {
    await Promise.all([...this.registrations].map((r) => this.deregister(r)));
    await Promise.all([...this.elections].map((e) => e.close()));
    await Promise.all([...this.watches.values()].map((w) => w.dials.close()));
    this.watches.clear();
    this.eventsSubject.complete();
    await releaseSource(this.source);
  }

  /**
   * Leader election among the processes that call `elect(name)`: `campaign()` resolves when this
   * one leads; `leader$` says who leads; `resign()` hands over. At most one leader at a time.
   */
  elect(name: string, options: { value?: string; ttlMs?: number } = {}): Election {
    const election = new Election(
      this.source,
      name,
      options.value ?? `${hostname()}-${randomUUID().slice(0, 8)}`,
      Math.max(1, Math.ceil((options.ttlMs ?? 10_000) / 1000)),
    );
    this.elections.add(election);
    return election;
  }

  private readonly elections = new Set<Election>();
}

function isInstance(value: unknown): value is ServiceInstance {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ServiceInstance).host === 'string' &&
    typeof (value as ServiceInstance).port === 'number'
  );
}

/** One candidate in a leader election (etcd's election recipe: lease-bound keys, the oldest leads). */
export class Election {
  readonly value: string;
  private campaignHandle: ReturnType<ReturnType<EtcdSource['client']['election']>['campaign']> | undefined;
  private readonly election: ReturnType<EtcdSource['client']['election']>;
  private readonly leaderSubject = new ReplaySubject<string | undefined>(1);
  private watch: PrefixWatch | undefined;
  private leading = false;

  constructor(
    private readonly source: EtcdSource,
    readonly name: string,
    value: string,
    ttlSeconds: number,
  ) {
    this.value = value;
    this.election = source.client.namespace(ELECTIONS_PREFIX).election(name, ttlSeconds);
  }

  /** Whether this candidate leads now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * The current leader's value, now and on every change (undefined: nobody leads). Followed with
   * one watch on the election's keys: the candidate whose key is oldest leads.
   */
  get leader$(): Observable<string | undefined> {
    if (!this.watch) {
      const candidates = new Map<string, { value: string; created: number }>();
      let last: string | undefined | null = null;
      const publish = () => {
        let leader: { value: string; created: number } | undefined;
        for (const c of candidates.values()) if (!leader || c.created < leader.created) leader = c;
        if (leader?.value !== last) {
          last = leader?.value;
          this.leaderSubject.next(leader?.value);
        }
      };
      this.watch = this.source.watch(`${ELECTIONS_PREFIX}election/${this.name}/`, {
        reset: (range) => {
          candidates.clear();
          for (const kv of range.kvs) candidates.set(kv.key, { value: kv.value, created: kv.createRevision });
          publish();
        },
        batch: (batch) => {
          for (const e of batch.events) {
            if (e.type === 'delete') candidates.delete(e.key);
            else candidates.set(e.key, { value: e.value ?? '', created: candidates.get(e.key)?.created ?? e.modRevision });
          }
          publish();
        },
        status: () => undefined,
        error: () => undefined,
      });
    }
    return this.leaderSubject.asObservable();
  }

  /** Stand for election; resolves once this candidate leads. */
  async campaign(): Promise<void> {
    if (this.campaignHandle) throw new DialsError('INVALID_ARGUMENT', `already campaigning in ${this.name}`);
    const campaign = this.election.campaign(this.value);
    this.campaignHandle = campaign;
    campaign.on('error', () => {
      this.leading = false;
    });
    await new Promise<void>((resolve, reject) => {
      campaign.once('elected', () => {
        this.leading = true;
        resolve();
      });
      campaign.once('error', reject);
    });
  }

  /** Stop leading (or stop waiting to); the next candidate takes over. */
  async resign(): Promise<void> {
    const campaign = this.campaignHandle;
    this.campaignHandle = undefined;
    this.leading = false;
    await campaign?.resign();
  }

  async close(): Promise<void> {
    await this.resign().catch(() => undefined);
    await this.watch?.close();
    this.leaderSubject.complete();
  }
}

const ELECTIONS_PREFIX = '/elections/';
