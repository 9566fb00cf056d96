import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useLoad } from '../components/useLoad.ts';
import { loadCluster } from './fleetApi.ts';

/** etcd's members, which one leads and whether each answers. */
export function ClusterStatus() {
  const cluster = useLoad(loadCluster, []);
  const data = cluster.data;
  return (
    <section aria-label="Cluster">
      <h3>etcd cluster</h3>
      <ErrorNotice error={cluster.error} />
      {data && !data.available && <p className="muted">Not available here: {data.message ?? 'this source is not etcd'}.</p>}
      {data?.available && (
        <>
          <p>Leader: {data.leader ?? 'none'}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Id</th>
                <th scope="col">Health</th>
                <th scope="col">Leader</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => (
                <tr key={m.id}>
                  <td>{m.name}</td>
                  <td>{m.id}</td>
                  <td className={m.healthy ? 'good' : 'bad'}>{m.healthy ? 'healthy' : `unhealthy${m.error ? `: ${m.error}` : ''}`}</td>
                  <td>{m.isLeader ? 'leader' : ''}</td>
                  <td>{m.version ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
