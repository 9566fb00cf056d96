import { useCallback } from 'react';
import type { GrayView } from '../../../src/api/delivery-contract.ts';
import { Link, restOf } from '../app/router.tsx';
import { useWritable } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { GrayDetail } from './GrayDetail.tsx';
import { grayPath, labelText, loadGrayList, parseGrayPath } from './grayApi.ts';
import { NewGray } from './NewGray.tsx';

/**
 * The Gray releases view: `/gray/<namespace>` lists a namespace's gray releases and starts one,
 * `/gray/<namespace>/<id>` shows one (labels, steps, values, the instances on it) with its
 * controls. Live on the gray releases' keys; the instances' reports are read on each change.
 */
export function Gray({ path }: { path: string }) {
  const { namespace, id } = parseGrayPath(restOf(path, 'gray', false));
  const writable = useWritable();
  const list = useLoad(() => loadGrayList(id ? '' : namespace), [namespace, id]);
  const { reload } = list;
  const live = useLive(
    id ? undefined : [namespace ? `/dials/gray/${namespace}/` : '/dials/gray/'],
    useCallback(() => reload(), [reload]),
  );
  return (
    <div className="split">
      <aside aria-label="Namespaces">
        <div className="row">
          <h1>Gray releases</h1>
          {!id && <LiveBadge state={live} />}
        </div>
        <ul className="namespaces">
          {(list.data?.namespaces ?? []).map((n) => (
            <li key={n}>
              <Link to={grayPath(n)} aria-current={n === namespace ? 'page' : undefined}>
                {n}
              </Link>
            </li>
          ))}
        </ul>
        {list.data && list.data.namespaces.length === 0 && <p className="muted">No gray releases now.</p>}
      </aside>
      <section className="detail">
        <ErrorNotice error={list.error} />
        {id ? (
          <GrayDetail namespace={namespace} id={id} />
        ) : (
          <>
            {namespace !== '' && list.data?.namespace === namespace && (
              <>
                <h2 className="key">{namespace}</h2>
                <GrayTable releases={list.data.releases} />
              </>
            )}
            {writable && <NewGray key={namespace} namespace={namespace} />}
          </>
        )}
      </section>
    </div>
  );
}

function GrayTable({ releases }: { releases: readonly GrayView[] }) {
  if (releases.length === 0) return <p className="muted">No gray release in this namespace.</p>;
  return (
    <table aria-label="Gray releases">
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Message</th>
          <th scope="col">Labels</th>
          <th scope="col">Step</th>
          <th scope="col">On it</th>
        </tr>
      </thead>
      <tbody>
        {releases.map((g) => (
          <tr key={g.id}>
            <td>
              <Link to={grayPath(g.namespace, g.id)}>{g.id}</Link>
            </td>
            <td>{g.message}</td>
            <td>{labelText(g.labels)}</td>
            <td>
              {g.step.percent}%{g.paused ? ' (paused)' : ''}
            </td>
            <td>
              {g.instances.length} of {g.matching}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
