import { INSTANCES_PREFIX, type InstanceReport, type Source } from '@dials/core';
import { color } from './output.js';

/** A running instance that does not apply what etcd holds for a key: it keeps its last good value. */
export interface HeldBy {
  readonly app: string;
  readonly instance: string;
  readonly reason: string;
  readonly message: string;
}

/**
 * The running instances (their reports under /dials/instances/) that refuse what etcd holds for
 * `key` and keep their last good value. Best effort: without read access to the reports, none.
 */
export async function heldBy(source: Source, key: string): Promise<HeldBy[]> {
  const first = key.split('/').filter(Boolean)[0];
  if (!first) return [];
  const reports = await source.list(`${INSTANCES_PREFIX}${first}/`).catch(() => ({ kvs: [] }));
  const out: HeldBy[] = [];
  for (const kv of reports.kvs) {
    let report: InstanceReport;
    try {
      report = JSON.parse(kv.value) as InstanceReport;
    } catch {
      continue;
    }
    for (const r of Array.isArray(report.refused) ? report.refused : [])
      if (r.key === key) out.push({ app: String(report.app), instance: String(report.id), reason: r.reason, message: r.message });
  }
  return out;
}

/** For stderr (through stderrLine, which escapes what the apps reported): which apps keep another value than etcd's, and why. */
export function heldNote(key: string, held: readonly HeldBy[]): string {
  const apps = [...new Set(held.map((h) => h.app))].join(', ');
  const first = held[0] as HeldBy;
  const what = first.reason === 'invalid' ? 'this value' : `its ${first.reason === 'deleted' ? 'deletion' : 'absence'}`;
  const count = `${held.length} running instance${held.length === 1 ? '' : 's'}`;
  return `${color.yellow('note:')} ${apps} (${count}) refuse${held.length === 1 ? 's' : ''} ${what} and keep${held.length === 1 ? 's' : ''} the last good value of ${key}: ${first.message} (see dials fleet)`;
}
