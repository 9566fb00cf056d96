import { useCallback } from 'react';
import type { ChangeRequestView } from '../../../src/api/delivery-contract.ts';
import { Link, restOf } from '../app/router.tsx';
import { useWritable } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { ChangeRequestDetail } from './ChangeRequest.tsx';
import { changePath, loadChanges, parseChangePath } from './changesApi.ts';
import { NewChangeRequest } from './NewChangeRequest.tsx';

const CHANGES_PREFIX = '/dials/changes/';

/**
 * The Change requests view: `/changes/<namespace>` lists a namespace's requests and drafts new ones,
 * `/changes/<namespace>/<id>` shows one with its diff, reviews and history, and the actions the
 * user may take on it. Live: a review or apply elsewhere shows at once.
 */
export { CHANGES_PREFIX };

export function Changes({ path }: { path: string }) {
  const { namespace, id } = parseChangePath(restOf(path, 'changes', false));
  const writable = useWritable();
  const list = useLoad(() => loadChanges(id ? '' : namespace), [namespace, id]);
  const { reload } = list;
  // One request follows its own record (ChangeRequestDetail); a list follows its namespace.
  const live = useLive(
    id ? undefined : [namespace ? `${CHANGES_PREFIX}${namespace}/` : CHANGES_PREFIX],
    useCallback(() => reload(), [reload]),
  );
  return (
    <div className="split">
      <aside aria-label="Namespaces">
        <div className="row">
          <h1>Change requests</h1>
          {!id && <LiveBadge state={live} />}
        </div>
        <ul className="namespaces">
          {(list.data?.namespaces ?? []).map((n) => (
            <li key={n}>
              <Link to={changePath(n)} aria-current={n === namespace ? 'page' : undefined}>
                {n}
              </Link>
            </li>
          ))}
        </ul>
        {list.data && list.data.namespaces.length === 0 && <p className="muted">No change requests yet.</p>}
      </aside>
      <section className="detail">
        <ErrorNotice error={list.error} />
        {id ? (
          <ChangeRequestDetail namespace={namespace} id={id} />
        ) : (
          <>
            {namespace !== '' && list.data?.namespace === namespace && (
              <>
                <h2 className="key">{namespace}</h2>
                <RequestTable requests={list.data.requests} />
              </>
            )}
            {writable && <NewChangeRequest key={namespace} namespace={namespace} />}
          </>
        )}
      </section>
    </div>
  );
}

function RequestTable({ requests }: { requests: readonly ChangeRequestView[] }) {
  if (requests.length === 0) return <p className="muted">No change requests here.</p>;
  return (
    <table aria-label="Change requests">
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Title</th>
          <th scope="col">Author</th>
          <th scope="col">State</th>
          <th scope="col">Approvals</th>
          <th scope="col">Scheduled</th>
        </tr>
      </thead>
      <tbody>
        {requests.map((cr) => (
          <tr key={cr.id}>
            <td>
              <Link to={changePath(cr.namespace, cr.id)}>{cr.id}</Link>
            </td>
            <td>{cr.title}</td>
            <td>{cr.author}</td>
            <td>{cr.state}</td>
            <td>
              {cr.approvals.length} of {cr.required}
            </td>
            <td>{cr.schedule ? new Date(cr.schedule.at).toLocaleString() : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
