import { config as rxjsConfig } from 'rxjs';
import { DialsError, messageOf } from '../errors.js';
import type { Source } from '../types.js';

const holders = new WeakMap<Source, number>();

/** Note that one more Dials or Flags instance uses `source`. */
export function retainSource(source: Source): void {
  holders.set(source, (holders.get(source) ?? 0) + 1);
}

/** The instance is done with `source`: the last one to let go closes it. */
export async function releaseSource(source: Source): Promise<void> {
  const count = (holders.get(source) ?? 1) - 1;
  holders.set(source, count);
  if (count <= 0) await source.close();
}

type Reporter = (error: DialsError) => void;
const reporters = new Set<Reporter>();
let installed: ((error: unknown) => void) | undefined;

/**
 * A subscriber whose callback throws must neither crash the process nor stop the others. RxJS
 * already isolates each subscriber and hands the error to `config.onUnhandledError`, which by
 * default rethrows it asynchronously (an uncaught exception). While Dials instances are open, and
 * unless the application set its own handler, we route those errors to their `errors$`.
 */
export function catchSubscriberErrors(report: Reporter): () => void {
  reporters.add(report);
  if (!installed && rxjsConfig.onUnhandledError === null) {
    installed = (error: unknown) => {
      const wrapped = new DialsError('SUBSCRIBER', `A subscriber's callback threw: ${messageOf(error)}`, { cause: error });
      if (reporters.size === 0) process.emitWarning(wrapped.message);
      for (const r of reporters) r(wrapped);
    };
    rxjsConfig.onUnhandledError = installed;
  }
  return () => {
    reporters.delete(report);
    if (reporters.size === 0 && installed && rxjsConfig.onUnhandledError === installed) {
      rxjsConfig.onUnhandledError = null;
      installed = undefined;
    }
  };
}
