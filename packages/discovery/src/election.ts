import { asDialsError, capability, DialsError, type Lease, type PrefixWatch, type Source } from '@dials/core';
import { distinctUntilChanged, filter, firstValueFrom, map, type Observable, ReplaySubject, Subject } from 'rxjs';

/** Where elections live: `/elections/<name>/<lease id in hex>`, as `etcdctl elect` writes them. */
export const ELECTIONS_PREFIX = '/elections/';

interface Candidate {
  readonly key: string;
  readonly value: string;
  readonly created: number;
}

/**
 * One candidate in a leader election, etcd's recipe on any source with leases and transactions:
 * each candidate holds a key bound to its kept-alive lease under `/elections/<name>/`, and the
 * oldest key leads, so at most one candidate leads at a time. `etcdctl elect -l /elections/<name>`
 * sees the same leader.
 */
export class Election {
  private readonly prefix: string;
  private readonly candidates = new Map<string, Candidate>();
  private readonly oldest$ = new ReplaySubject<Candidate | undefined>(1);
  private readonly errorsSubject = new Subject<DialsError>();
  private watch: PrefixWatch | undefined;
  private lease: Lease | undefined;
  private myKey: string | undefined;
  private leading = false;
  /** Problems of this election: its watch failing, its lease (and so its leadership) lost. */
  readonly errors$: Observable<DialsError> = this.errorsSubject.asObservable();

  constructor(
    private readonly source: Source,
    readonly name: string,
    readonly value: string,
    private readonly ttlMs: number,
  ) {
    if (name.includes('/') || name === '') {
      throw new DialsError('INVALID_ARGUMENT', `elect: an election name must be non-empty, without "/" (got "${name}")`);
    }
    capability(source, 'leases', `elect('${name}')`);
    capability(source, 'transactions', `elect('${name}')`);
    this.prefix = `${ELECTIONS_PREFIX}${name}/`;
  }

  /** Whether this candidate leads now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The current leader's value, now and on every change (undefined: nobody leads). One watch on the election's keys. */
  get leader$(): Observable<string | undefined> {
    this.follow();
    return this.oldest$.pipe(
      map((c) => c?.value),
      distinctUntilChanged(),
    );
  }

  /** Stand for election; resolves once this candidate leads. */
  async campaign(): Promise<void> {
    if (this.lease) throw new DialsError('INVALID_ARGUMENT', `already campaigning in ${this.name}`);
    this.follow();
    const lease = await capability(this.source, 'leases', 'campaign').keepAlive(this.ttlMs);
    this.lease = lease;
    const key = `${this.prefix}${BigInt(lease.id).toString(16)}`;
    this.myKey = key;
    lease.signal.addEventListener('abort', () => this.onLost(lease), { once: true });
    try {
      await capability(this.source, 'transactions', 'campaign').txn(
        [{ type: 'put', key, value: this.value, lease: lease.id }],
        [{ key, modRevision: 0 }],
      );
    } catch (error) {
      await this.resign();
      throw error;
    }
    await firstValueFrom(this.oldest$.pipe(filter(() => this.lease !== lease || this.leading))).catch(() => undefined);
    if (this.lease !== lease || !this.leading) {
      throw new DialsError('CLOSED', `The campaign of ${this.value} in ${this.name} ended before it was elected`);
    }
  }

  /** Stop leading (or stop waiting to); the next candidate takes over. */
  async resign(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    this.myKey = undefined;
    this.leading = false;
    await lease?.revoke();
    this.publish();
  }

  async close(): Promise<void> {
    await this.resign().catch(() => undefined);
    await this.watch?.close();
    this.oldest$.complete();
    this.errorsSubject.complete();
  }

  private onLost(lease: Lease): void {
    if (this.lease !== lease) return;
    const reason = lease.signal.reason;
    this.errorsSubject.next(
      new DialsError('UNAVAILABLE', `Election ${this.name}: the lease of ${this.value} was lost; it no longer leads or stands`, {
        key: this.myKey,
        cause: reason,
      }),
    );
    void this.resign();
  }

  private follow(): void {
    if (this.watch) return;
    this.watch = this.source.watch(this.prefix, {
      reset: (range) => {
        this.candidates.clear();
        for (const kv of range.kvs) this.candidates.set(kv.key, { key: kv.key, value: kv.value, created: kv.createRevision });
        this.publish();
      },
      batch: (batch) => {
        for (const e of batch.events) {
          if (e.type === 'delete') this.candidates.delete(e.key);
          else {
            const created = this.candidates.get(e.key)?.created ?? e.modRevision;
            this.candidates.set(e.key, { key: e.key, value: e.value ?? '', created });
          }
        }
        this.publish();
      },
      status: () => undefined,
      error: (error) => {
        // A source's own DialsError keeps its code; the message and key say which election lost its watch.
        const cause = asDialsError(error, 'GENERAL');
        this.errorsSubject.next(
          new DialsError(cause.code, `Election watch on ${this.prefix}: ${cause.message}`, { key: this.prefix, cause }),
        );
      },
    });
  }

  private publish(): void {
    let oldest: Candidate | undefined;
    for (const c of this.candidates.values()) if (!oldest || c.created < oldest.created) oldest = c;
    this.leading = this.lease !== undefined && oldest !== undefined && oldest.key === this.myKey;
    this.oldest$.next(oldest);
  }
}
