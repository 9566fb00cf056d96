import type { EvaluationContext as DialsContext, EvaluationDetails, Flags, FlagValue } from '@dials/flags';
import {
  type ErrorCode,
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Subscription } from 'rxjs';

export interface DialsProviderOptions {
  /** The flags to serve, from `createFlags()`. */
  readonly flags: Flags;
  /** Close `flags` when OpenFeature closes the provider. Default false: whoever created them closes them. */
  readonly closeFlags?: boolean;
}

function toResolution<TValue>(details: EvaluationDetails<TValue>): ResolutionDetails<TValue> {
  const resolution: { -readonly [K in keyof ResolutionDetails<TValue>]: ResolutionDetails<TValue>[K] } = {
    value: details.value,
    reason: details.reason,
    flagMetadata: details.flagMetadata,
  };
  if (details.variant !== undefined) resolution.variant = details.variant;
  if (details.errorCode !== undefined) {
    resolution.errorCode = details.errorCode as ErrorCode;
    resolution.errorMessage = details.errorMessage;
  }
  return resolution;
}

/**
 * An OpenFeature server provider that evaluates with `@dials/flags`: flagd's format and results,
 * live from etcd. Emits READY, STALE (etcd unreachable, serving the last known flags), ERROR and
 * CONFIGURATION_CHANGED with the changed flag keys.
 *
 * @example
 * await OpenFeature.setProviderAndWait(new DialsProvider({ flags }));
 * const client = OpenFeature.getClient();
 * await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-42' });
 */
export class DialsProvider implements Provider {
  readonly metadata = { name: 'dials' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly flags: Flags;
  private readonly closeFlags: boolean;
  private subscriptions: Subscription[] = [];

  constructor(options: DialsProviderOptions) {
    this.flags = options.flags;
    this.closeFlags = options.closeFlags ?? false;
  }

  async initialize(): Promise<void> {
    await this.flags.ready();
    let last = this.flags.status === 'degraded' ? 'ready' : this.flags.status;
    this.subscriptions.push(
      this.flags.status$.subscribe((next) => {
        // Degraded still serves every flag: to OpenFeature it is ready.
        const status = next === 'degraded' ? 'ready' : next;
        if (status === last) return;
        last = status;
        if (status === 'stale') this.events.emit(ProviderEvents.Stale, { message: 'etcd is unreachable: serving the last known flags' });
        else if (status === 'ready') this.events.emit(ProviderEvents.Ready);
        else if (status === 'error') this.events.emit(ProviderEvents.Error, { message: 'the flag source failed' });
      }),
      this.flags.changes$.subscribe((change) =>
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...change.flagsChanged] }),
      ),
    );
  }

  async onClose(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    if (this.closeFlags) await this.flags.close();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  resolveObjectEvaluation<TValue extends JsonValue>(
    flagKey: string,
    defaultValue: TValue,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<TValue>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue as FlagValue, context) as ResolutionDetails<TValue>);
  }

  private resolve<TValue extends FlagValue>(flagKey: string, defaultValue: TValue, context: EvaluationContext): ResolutionDetails<TValue> {
    return toResolution(this.flags.resolve(flagKey, defaultValue, context as DialsContext));
  }
}
