import { useCallback, useEffect } from 'react';
import type { Instance } from '../../../src/api/contract.ts';
import { Link, navigate, restOf } from '../app/router.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { ClusterStatus } from './ClusterStatus.tsx';
import { loadFleet } from './fleetApi.ts';

const INSTANCES_PREFIX = '/dials/instances/';

/** The Fleet view (`/fleet/<namespace>`): every running instance, what it applied and refused; etcd's cluster. */
export function Fleet({ path }: { path: string }) {
  const namespace = restOf(path, 'fleet', false).replace(/\/+$/, '');
  const fleet = useLoad(() => loadFleet(namespace), [namespace]);
  const { reload } = fleet;
  const live = useLive(
    [namespace ? `${INSTANCES_PREFIX}${namespace}/` : INSTANCES_PREFIX],
    useCallback(() => reload(), [reload]),
  );
  const first = fleet.data?.namespaces[0];
  useEffect(() => {
    // One namespace at least: open the first rather than an empty page.
    if (namespace === '' && first) navigate(`/fleet/${first}`, { replace: true });
  }, [namespace, first]);
  const data = fleet.data?.namespace === namespace ? fleet.data : undefined;
  const apps = new Map<string, Instance[]>();
  for (const instance of data?.instances ?? []) apps.set(instance.app, [...(apps.get(instance.app) ?? []), instance]);
  return (
    <div className="split">
      <aside aria-label="Namespaces">
        <div className="row">
          <h1>Fleet</h1>
          <LiveBadge state={live} />
        </div>
        <ul className="namespaces">
          {(fleet.data?.namespaces ?? []).map((n) => (
            <li key={n}>
              <Link to={`/fleet/${n}`} aria-current={n === namespace ? 'page' : undefined}>
                {n}
              </Link>
            </li>
          ))}
        </ul>
        {fleet.data && fleet.data.namespaces.length === 0 && <p className="muted">No instance reports here.</p>}
      </aside>
      <section className="detail">
        <ErrorNotice error={fleet.error} />
        {data && namespace !== '' && (
          <>
            <h2 className="key">{namespace}</h2>
            {data.lagging.length > 0 && <p className="notice warning">Behind: {data.lagging.join(', ')}</p>}
            {data.unhealthy.length > 0 && <p className="notice error">Not ready: {data.unhealthy.join(', ')}</p>}
            {[...apps].map(([app, instances]) => (
              <AppInstances key={app} app={app} instances={instances} />
            ))}
            {apps.size === 0 && <p className="muted">No instance runs in {namespace} now.</p>}
          </>
        )}
        {namespace === '' && <p className="muted">Pick a namespace.</p>}
        <ClusterStatus />
      </section>
    </div>
  );
}

function AppInstances({ app, instances }: { app: string; instances: Instance[] }) {
  return (
    <section aria-label={`App ${app}`}>
      <h3>{app}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Status</th>
            <th scope="col">Revision</th>
            <th scope="col">Behind</th>
            <th scope="col">Version</th>
            <th scope="col">Labels</th>
            <th scope="col">Refused keys</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr key={i.id}>
              <td>
                {i.host} pid {i.pid}
                <br />
                <span className="muted">since {new Date(i.startedAt).toLocaleString()}</span>
              </td>
              <td className={i.status === 'ready' ? 'good' : 'bad'}>{i.status}</td>
              <td>{i.revision}</td>
              <td>{i.behind}</td>
              <td>{i.version}</td>
              <td>
                {Object.entries(i.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
              </td>
              <td>
                {i.refused.length === 0
                  ? 'none'
                  : i.refused.map((r) => (
                      <div key={r.key}>
                        <span className="key">{r.key}</span>: {r.message}
                      </div>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
