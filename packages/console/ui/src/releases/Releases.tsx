import { useCallback, useEffect, useState } from 'react';
import type { ReleaseSummary, RollbackResult } from '../../../src/api/contract.ts';
import { Link, navigate, restOf } from '../app/router.tsx';
import { useWritable } from '../app/session.ts';
import { ChangeList } from '../components/ChangeList.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { loadReleases, rollback } from './releasesApi.ts';

const RELEASES_PREFIX = '/dials/releases/';

/** The Releases view (`/releases/<namespace>`): who changed what and why, and a rollback of any release. */
export function Releases({ path }: { path: string }) {
  const namespace = restOf(path, 'releases', false).replace(/\/+$/, '');
  const list = useLoad(() => loadReleases(namespace), [namespace]);
  const { reload } = list;
  const live = useLive(
    [namespace ? `${RELEASES_PREFIX}${namespace}/` : RELEASES_PREFIX],
    useCallback(() => reload(), [reload]),
  );
  const first = list.data?.namespaces[0];
  useEffect(() => {
    // One namespace at least: open the first rather than an empty page.
    if (namespace === '' && first) navigate(`/releases/${first}`, { replace: true });
  }, [namespace, first]);
  const data = list.data?.namespace === namespace ? list.data : undefined;
  return (
    <div className="split">
      <aside aria-label="Namespaces">
        <div className="row">
          <h1>Releases</h1>
          <LiveBadge state={live} />
        </div>
        <ul className="namespaces">
          {(list.data?.namespaces ?? []).map((n) => (
            <li key={n}>
              <Link to={`/releases/${n}`} aria-current={n === namespace ? 'page' : undefined}>
                {n}
              </Link>
            </li>
          ))}
        </ul>
        {list.data && list.data.namespaces.length === 0 && <p className="muted">No releases yet.</p>}
      </aside>
      <section className="detail">
        <ErrorNotice error={list.error} />
        {namespace === '' && <p className="muted">Pick a namespace.</p>}
        {data && namespace !== '' && (
          <>
            <h2 className="key">{namespace}</h2>
            {data.releases.length === 0 && <p className="muted">No releases in {namespace}.</p>}
            <ol className="releases" aria-label="Releases">
              {data.releases.map((release) => (
                <Release key={release.id} release={release} onRolledBack={reload} />
              ))}
            </ol>
          </>
        )}
      </section>
    </div>
  );
}

/** One release: when, who, why, its diff; a rollback that first shows the inverse diff and asks. */
function Release({ release, onRolledBack }: { release: ReleaseSummary; onRolledBack: () => void }) {
  const writable = useWritable();
  const [inverse, setInverse] = useState<RollbackResult>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<ReleaseSummary>();
  const ask = async () => {
    setError(undefined);
    setDone(undefined);
    try {
      setInverse(await rollback({ namespace: release.namespace, id: release.id, apply: false }));
    } catch (e) {
      setError(e);
    }
  };
  const confirm = async () => {
    setError(undefined);
    try {
      const result = await rollback({ namespace: release.namespace, id: release.id, apply: true });
      // The namespace requires approval: the rollback became a change request, and the page went to it.
      if (!result) return;
      setInverse(undefined);
      setDone(result.release);
      onRolledBack();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <li className="release" aria-label={`Release ${release.id}`}>
      <header>
        <strong>{release.message || '(no message)'}</strong>
        <span>
          {' '}
          by {release.author}, <time dateTime={release.at}>{new Date(release.at).toLocaleString()}</time>, revision {release.revision}
        </span>
        {release.state && release.state !== 'done' && <span className="bad"> ({release.state})</span>}
        {release.forced && <span className="bad"> (forced past a schema)</span>}
        {release.rollbackOf && <span> (rollback of {release.rollbackOf})</span>}
      </header>
      <ChangeList changes={release.changes} label={`Changes of release ${release.id}`} />
      {writable && !inverse && (
        <button type="button" onClick={() => void ask()}>
          Roll back
        </button>
      )}
      {inverse && (
        <section className="confirm-box" aria-label="Confirm rollback">
          <p>Rolling back writes:</p>
          <ChangeList changes={inverse.changes} label="Inverse changes" />
          <button type="button" className="danger" onClick={() => void confirm()}>
            Confirm rollback
          </button>{' '}
          <button type="button" onClick={() => setInverse(undefined)}>
            Cancel
          </button>
        </section>
      )}
      <ErrorNotice error={error} label="Rollback refused" />
      {done && (
        <output className="notice ok" aria-label="Rolled back">
          Rolled back: release {done.id}.
        </output>
      )}
    </li>
  );
}
