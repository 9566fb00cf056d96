import {
  type FlagCheck,
  FlagCheckResult,
  type FlagEvaluate,
  FlagEvaluation,
  FlagList,
  type FlagUpdate,
  Tree,
  WriteResult,
} from '../../../src/api/contract.ts';
import { call, query } from '../app/api.ts';
import { writeOrDraft } from '../changes/changesApi.ts';

/** Every HTTP call of the Flags view. */

export const loadFlags = (prefix: string) => call(FlagList, `/flags${query({ prefix })}`);

/** The folders under a flags root (on etcd, where flags share the config's source). */
export const loadFolders = (prefix: string) => call(Tree, `/tree${query({ prefix })}`);

/** One of state, default variant or targeting; the flags compiler checks it first. Under a review policy: a change request. */
export const updateFlag = (update: FlagUpdate) => writeOrDraft(WriteResult, '/flags/update', { method: 'POST', body: update });

/** Check a targeting rule while it is typed: the error, and where the JSON breaks. */
export const checkTargeting = (check: FlagCheck) => call(FlagCheckResult, '/flags/check', { method: 'POST', body: check });

export const evaluateFlag = (request: FlagEvaluate) => call(FlagEvaluation, '/flags/evaluate', { method: 'POST', body: request });
