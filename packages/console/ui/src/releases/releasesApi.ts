import { ReleaseList, type Rollback, RollbackResult } from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';
import { writeOrDraft } from '../changes/changesApi.ts';

/** Every HTTP call of the Releases view. */

/** The releases of a namespace, newest first; with no namespace, the namespaces that have releases. */
export const loadReleases = (namespace: string) => call(ReleaseList, `/releases${query({ namespace: namespace || undefined })}`);

/** Undo a release: `apply: false` answers the inverse diff to confirm. */
export const rollback = (request: Rollback) => writeOrDraft(RollbackResult, '/rollback', { method: 'POST', body: request });
