import { useCallback, useState } from 'react';
import type { ReleaseSummary } from '../../../src/api/contract.ts';
import type { ChangeRequestView } from '../../../src/api/delivery-contract.ts';
import { Link } from '../app/router.tsx';
import { useSession } from '../app/session.ts';
import { ChangeList } from '../components/ChangeList.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { type Action, act, loadChange } from './changesApi.ts';
import { History, Reviews } from './Reviews.tsx';

/** One change request: its diff against its base revision, reviews, schedule, history; and what this user may do with it. */
export function ChangeRequestDetail({ namespace, id }: { namespace: string; id: string }) {
  const loaded = useLoad(() => loadChange(namespace, id), [namespace, id]);
  const { reload } = loaded;
  const live = useLive(
    [`/dials/changes/${namespace}/${id}`],
    useCallback(() => reload(), [reload]),
  );
  const cr = loaded.data?.id === id && loaded.data.namespace === namespace ? loaded.data : undefined;
  return (
    <>
      <div className="row">
        <h2>
          Change request {id} <span className="key">{namespace}</span>
        </h2>
        <LiveBadge state={live} />
      </div>
      <ErrorNotice error={loaded.error} />
      {cr && <Shown cr={cr} onChanged={reload} />}
    </>
  );
}

function Shown({ cr, onChanged }: { cr: ChangeRequestView; onChanged: () => void }) {
  const { session } = useSession();
  const [comment, setComment] = useState('');
  const [at, setAt] = useState('');
  const [error, setError] = useState<unknown>();
  const [applied, setApplied] = useState<ReleaseSummary>();
  const live = cr.state === 'open' || cr.state === 'approved';
  const me = session.user ?? '';
  // Whoever wrote the changes may not approve them: no button for them (the server refuses it too).
  const mayApprove = live && !cr.writers.includes(me) && !cr.approvals.some((a) => a.by === me);
  const mayReject = live && me !== cr.author;
  const run = async (action: Action) => {
    setError(undefined);
    try {
      const result = await act(action, {
        namespace: cr.namespace,
        id: cr.id,
        ...(comment ? { comment } : {}),
        ...(action === 'schedule' ? { at: new Date(at).toISOString() } : {}),
      });
      if (result.release) setApplied(result.release);
      setComment('');
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <article aria-label={`Change request ${cr.id}`}>
      <p>
        <strong>{cr.title}</strong> by {cr.author}, <time dateTime={cr.createdAt}>{new Date(cr.createdAt).toLocaleString()}</time>
      </p>
      {cr.message && cr.message !== cr.title && <p>{cr.message}</p>}
      <dl className="evaluation" aria-label="Status">
        <dt>State</dt>
        <dd>{cr.state}</dd>
        <dt>Approvals</dt>
        <dd>
          {cr.approvals.length} of {cr.required}
        </dd>
        <dt>Base revision</dt>
        <dd>{cr.baseRevision}</dd>
        {cr.schedule && (
          <>
            <dt>Scheduled</dt>
            <dd>
              {new Date(cr.schedule.at).toLocaleString()} by {cr.schedule.by}
            </dd>
          </>
        )}
        {cr.release && (
          <>
            <dt>Release</dt>
            <dd>
              <Link to={`/releases/${cr.namespace}`}>{cr.release.replace(/^0+/, '')}</Link>
            </dd>
          </>
        )}
      </dl>
      <ChangeList changes={cr.changes} label="Changes" />
      {session.writable && live && (
        <section aria-label="Review">
          <label>
            Comment
            <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="optional" />
          </label>
          <div className="row">
            {mayApprove && (
              <button type="button" className="primary" onClick={() => void run('approve')}>
                Approve
              </button>
            )}
            {mayReject && (
              <button type="button" className="danger" onClick={() => void run('reject')}>
                Reject
              </button>
            )}
            {cr.state === 'approved' && (
              <button type="button" className="primary" onClick={() => void run('apply')}>
                Apply
              </button>
            )}
            <button type="button" onClick={() => void run('cancel')}>
              Cancel request
            </button>
          </div>
          <div className="row">
            <label>
              Apply at
              <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
            </label>
            <button type="button" disabled={at === ''} onClick={() => void run('schedule')}>
              Schedule
            </button>
            {cr.schedule && (
              <button type="button" onClick={() => void run('unschedule')}>
                Unschedule
              </button>
            )}
          </div>
        </section>
      )}
      <ErrorNotice error={error} label="Refused" />
      {applied && (
        <output className="notice ok" aria-label="Applied">
          Applied as release {applied.id} of {applied.namespace}.
        </output>
      )}
      <Reviews cr={cr} />
      <History cr={cr} />
    </article>
  );
}
