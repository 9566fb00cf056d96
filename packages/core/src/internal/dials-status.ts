import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { DialsError } from '../errors.js';
import type { DialsStatus } from '../types.js';

/**
 * A Dials instance's status, derived: what its layers' watches say, `degraded` instead of `ready`
 * while keys are refused; `error` once start-up failed for good, `closed` for good.
 */
export class DialsStatusState {
  readonly subject = new BehaviorSubject<DialsStatus>('connecting');
  readonly status$: Observable<DialsStatus> = this.subject.pipe(distinctUntilChanged());
  /** What the layers' watches say; `degraded` is derived from it and the refused keys. */
  private layerStatus: DialsStatus | undefined;
  private failed: DialsError | undefined;

  constructor(
    private readonly refusedCount: () => number,
    /** The status may have changed: the fleet report says so. */
    private readonly changed: () => void,
  ) {}

  get value(): DialsStatus {
    return this.subject.value;
  }

  get closed(): boolean {
    return this.subject.value === 'closed';
  }

  /** The layers' watches say `status`. */
  layers(status: DialsStatus): void {
    this.layerStatus = status;
    this.update();
  }

  /** Derive the status again: the layers' status or the refused keys changed. */
  update(): void {
    const status = this.layerStatus;
    if (status === undefined || this.closed) return;
    this.subject.next(status === 'ready' && this.refusedCount() > 0 ? 'degraded' : status);
    this.changed();
  }

  /** Start-up failed for good: `assertOpen()` throws `error` from now on. */
  fail(error: DialsError): void {
    this.failed = error;
    if (!this.closed) this.subject.next('error');
  }

  /** Closed from now on; false when it already was. */
  close(): boolean {
    if (this.closed) return false;
    this.subject.next('closed');
    return true;
  }

  assertOpen(prefixes: readonly string[]): void {
    if (this.closed) throw new DialsError('CLOSED', `This Dials instance (${prefixes.join(', ')}) is closed`);
    if (this.failed) throw this.failed;
  }
}
