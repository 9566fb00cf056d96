import { useCallback, useState } from 'react';
import type { ReleaseSummary } from '../../../src/api/contract.ts';
import type { GrayView } from '../../../src/api/delivery-contract.ts';
import { Link } from '../app/router.tsx';
import { useWritable } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { controlGray, type GrayControl, labelText, loadGray } from './grayApi.ts';

/**
 * One gray release: who it selects, its steps, its values and the instances that report applying
 * it; promote, abandon, pause, resume, advance. Live on its keys and on the instances' reports.
 */
export function GrayDetail({ namespace, id }: { namespace: string; id: string }) {
  const loaded = useLoad(() => loadGray(namespace, id), [namespace, id]);
  const { reload } = loaded;
  const [ended, setEnded] = useState<{ action: string; release: ReleaseSummary }>();
  const live = useLive(
    ended ? undefined : [`/dials/gray/${namespace}/${id}`, `/dials/instances/${namespace}/`],
    useCallback(() => reload(), [reload]),
  );
  const g = loaded.data?.id === id && loaded.data.namespace === namespace ? loaded.data : undefined;
  return (
    <>
      <div className="row">
        <h2>
          Gray release {id} <span className="key">{namespace}</span>
        </h2>
        {!ended && <LiveBadge state={live} />}
      </div>
      {ended ? (
        <output className="notice ok" aria-label="Ended">
          {ended.action === 'promote' ? 'Promoted' : 'Abandoned'}: release {ended.release.id} of {ended.release.namespace}.{' '}
          <Link to={`/releases/${ended.release.namespace}`}>See the releases</Link>
        </output>
      ) : (
        <>
          <ErrorNotice error={loaded.error} />
          {g && <Shown g={g} onChanged={reload} onEnded={(action, release) => setEnded({ action, release })} />}
        </>
      )}
    </>
  );
}

function Shown({
  g,
  onChanged,
  onEnded,
}: {
  g: GrayView;
  onChanged: () => void;
  onEnded: (action: string, release: ReleaseSummary) => void;
}) {
  const writable = useWritable();
  const [error, setError] = useState<unknown>();
  const steps = g.steps ?? [];
  const run = async (action: GrayControl) => {
    setError(undefined);
    try {
      const result = await controlGray(action, { namespace: g.namespace, id: g.id });
      if ((action === 'promote' || action === 'abandon') && result.release) onEnded(action, result.release);
      else onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <article aria-label={`Gray release ${g.id}`}>
      <p>
        <strong>{g.message || '(no message)'}</strong> by {g.author},{' '}
        <time dateTime={g.startedAt}>{new Date(g.startedAt).toLocaleString()}</time>
      </p>
      <dl className="evaluation" aria-label="Status">
        <dt>Labels</dt>
        <dd>{labelText(g.labels)}</dd>
        <dt>Steps</dt>
        <dd>{steps.length === 0 ? 'all at once' : steps.map((s) => `${s}%`).join(', ')}</dd>
        <dt>Now</dt>
        <dd>
          {g.step.percent}% of the matching instances{g.paused ? ' (paused)' : ''}
          {g.state === 'promoting' ? ' (promoting)' : ''}
        </dd>
        <dt>On it</dt>
        <dd>
          {g.instances.length} of {g.matching} matching
        </dd>
      </dl>
      <table className="changes" aria-label="Values">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Gray value</th>
          </tr>
        </thead>
        <tbody>
          {g.values.map((v) => (
            <tr key={v.key}>
              <td className="key">{v.key}</td>
              <td className="value after">{v.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <section aria-label="Instances on it">
        <h3>Instances on it</h3>
        {g.instances.length === 0 && <p className="muted">No instance reports applying it.</p>}
        <ul>
          {g.instances.map((i) => (
            <li key={i.id}>
              <span className="key">{i.id}</span> ({i.app}) {labelText(i.labels)}
            </li>
          ))}
        </ul>
      </section>
      {writable && (
        <div className="row">
          <button type="button" className="primary" onClick={() => void run('promote')}>
            Promote
          </button>
          <button type="button" className="danger" onClick={() => void run('abandon')}>
            Abandon
          </button>
          {steps.length > 0 && !g.paused && (
            <button type="button" onClick={() => void run('pause')}>
              Pause
            </button>
          )}
          {g.paused && (
            <button type="button" onClick={() => void run('resume')}>
              Resume
            </button>
          )}
          {steps.length > 0 && !g.paused && g.step.index < steps.length - 1 && (
            <button type="button" onClick={() => void run('advance')}>
              Advance
            </button>
          )}
        </div>
      )}
      <ErrorNotice error={error} label="Refused" />
    </article>
  );
}
