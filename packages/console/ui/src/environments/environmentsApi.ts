import { Diff, type Promote, PromoteResult } from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';
import { writeOrDraft } from '../changes/changesApi.ts';

/** Every HTTP call of the Environments view. */

/** Compare two prefixes (staging and production): keys only in one, keys that differ. */
export const loadDiff = (a: string, b: string) => call(Diff, `/diff${query({ a, b })}`);

/** Copy chosen keys from one prefix to the other: `apply: false` answers exactly what would be written. */
export const promote = (request: Promote) => writeOrDraft(PromoteResult, '/promote', { method: 'POST', body: request });
