import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  capability,
  createDials,
  type Dials,
  DialsError,
  type Lease,
  type Leases,
  messageOf,
  releaseSource,
  retainSource,
  type Source,
  type Transactions,
} from '@dials/core';
import { defer, map, type Observable, ReplaySubject, Subject, share, switchMap } from 'rxjs';
import { Election } from './election.js';

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
  /** A source with leases (etcd, or memory for tests and embedded use). */
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
    readonly ttlMs: number,
    private readonly registry: Registry,
  ) {}

  deregister(): Promise<void> {
    return this.registry.deregister(this);
  }
}

export class Registry {
  readonly source: Source;
  readonly prefix: string;
  private readonly leases: Leases;
  private readonly transactions: Transactions;
  private readonly eventsSubject = new Subject<RegistryEvent>();
  /** Registered, lost, re-registered and deregistered instances of this process. */
  readonly events$ = this.eventsSubject.asObservable();
  private readonly registrations = new Set<Registered>();
  private readonly watches = new Map<string, { dials: Dials; list$: Observable<ServiceInstance[]> }>();

  constructor(options: RegistryOptions) {
    this.leases = capability(options.source, 'leases', 'createRegistry');
    this.transactions = capability(options.source, 'transactions', 'createRegistry');
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
    checkName('service name', name);
    checkName('instance id', id);
    const key = `${this.prefix}${name}/${id}`;
    const value: ServiceInstance = {
      id,
      host: instance.host,
      port: instance.port,
      meta: instance.meta ?? {},
      registeredAt: new Date().toISOString(),
    };
    const registration = new Registered(name, id, key, JSON.stringify(value), options.ttlMs ?? 10_000, this);
    await this.bind(registration);
    this.registrations.add(registration);
    this.eventsSubject.next({ type: 'registered', name, id });
    return registration;
  }

  /**
   * Put the instance's key, bound to a new kept-alive lease, only if no live instance holds that id
   * (create-only): a duplicate would replace the live one silently and take it away when it goes.
   */
  private async bind(registration: Registered): Promise<void> {
    let lease: Lease | undefined;
    let created: boolean;
    try {
      lease = await this.leases.keepAlive(registration.ttlMs);
      const put = { type: 'put' as const, key: registration.key, value: registration.value, lease: lease.id };
      created = (await this.transactions.txn([put], [{ key: registration.key, modRevision: 0 }])).succeeded;
    } catch (error) {
      await lease?.revoke().catch(() => undefined);
      throw new DialsError('UNAVAILABLE', `Registering ${registration.key} at ${this.source.description} failed: ${messageOf(error)}`, {
        key: registration.key,
        endpoint: this.source.description,
        cause: error,
      });
    }
    if (!created) {
      await lease.revoke().catch(() => undefined);
      throw new DialsError(
        'CONFLICT',
        `Instance ${registration.id} of ${registration.name} is already registered and live (${registration.key}); give this one another id`,
        { key: registration.key, endpoint: this.source.description },
      );
    }
    const bound = lease;
    bound.signal.addEventListener('abort', () => this.onLost(registration, bound, bound.signal.reason), { once: true });
    registration.lease = bound;
  }

  /** The lease is gone (etcd restarted, the network was cut longer than the TTL): register again until it works. */
  private onLost(registration: Registered, lease: Lease, error: unknown): void {
    if (registration.closed || registration.lease !== lease) return;
    registration.lease = undefined;
    const lost = new DialsError('UNAVAILABLE', `Lease of ${registration.key} lost (${messageOf(error)}); registering again`, {
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
    await lease?.revoke().catch(() => undefined);
    this.eventsSubject.next({ type: 'deregistered', name: r.name, id: r.id });
  }

  /** The live instances of `name`: the list now, then on every change. One watch per name, shared. */
  instances$(name: string): Observable<ServiceInstance[]> {
    checkName('service name', name);
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
    checkName('service name', name);
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
    const election = new Election(this.source, name, options.value ?? `${hostname()}-${randomUUID().slice(0, 8)}`, options.ttlMs ?? 10_000);
    this.elections.add(election);
    return election;
  }

  private readonly elections = new Set<Election>();
}

/** Service names and instance ids are one key segment each: `checkout/shadow` would be listed as an instance of `checkout`. */
function checkName(what: string, value: string): void {
  if (value === '' || value.includes('/')) {
    throw new DialsError('INVALID_ARGUMENT', `The ${what} "${value}" must be non-empty and without "/"`);
  }
}

function isInstance(value: unknown): value is ServiceInstance {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ServiceInstance).host === 'string' &&
    typeof (value as ServiceInstance).port === 'number'
  );
}
