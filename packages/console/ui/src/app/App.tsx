import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Session } from '../../../src/api/contract.ts';
import { Changes } from '../changes/Changes.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Config } from '../config/Config.tsx';
import { Environments } from '../environments/Environments.tsx';
import { Flags } from '../flags/Flags.tsx';
import { Fleet } from '../fleet/Fleet.tsx';
import { Gray } from '../gray/Gray.tsx';
import { Login } from '../login/Login.tsx';
import { logout } from '../login/loginApi.ts';
import { OfrepKeys } from '../ofrep-keys/OfrepKeys.tsx';
import { Releases } from '../releases/Releases.tsx';
import { whenLoginRequired } from './api.ts';
import { Link, navigate, useLocation } from './router.tsx';
import { nextSession, SessionContext, type SessionState } from './session.ts';

const views = [
  { path: '/config', title: 'Config' },
  { path: '/environments', title: 'Environments' },
  { path: '/flags', title: 'Flags' },
  { path: '/releases', title: 'Releases' },
  { path: '/changes', title: 'Change requests' },
  { path: '/gray', title: 'Gray releases' },
  { path: '/fleet', title: 'Fleet' },
  { path: '/ofrep-keys', title: 'OFREP keys' },
] as const;

const inView = (path: string, view: string) => path === view || path.startsWith(`${view}/`);

function View({ path }: { path: string }) {
  if (inView(path, '/config')) return <Config path={path} />;
  if (inView(path, '/environments')) return <Environments />;
  if (inView(path, '/flags')) return <Flags path={path} />;
  if (inView(path, '/releases')) return <Releases path={path} />;
  if (inView(path, '/changes')) return <Changes path={path} />;
  if (inView(path, '/gray')) return <Gray path={path} />;
  if (inView(path, '/fleet')) return <Fleet path={path} />;
  if (inView(path, '/ofrep-keys')) return <OfrepKeys path={path} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing at this address. <Link to="/config">Go to the config</Link>.
      </p>
    </section>
  );
}

/** The banners every page shows: etcd auth off, and a console that may not write. */
function Banners({ session }: { session: Session }) {
  return (
    <>
      {!session.authEnabled && (
        <div className="banner warning" role="note" aria-label="No login">
          {session.writable
            ? 'etcd auth is off: anyone who reaches this console can change everything.'
            : 'No login here: anyone who reaches this console can read everything.'}
        </div>
      )}
      {!session.writable && (
        <div className="banner info" role="note" aria-label="Read-only">
          {session.user
            ? `Read-only: the etcd roles of ${session.user} may read here but not write.`
            : 'Read-only: the values come from files; edit the files; the console follows them.'}
        </div>
      )}
    </>
  );
}

function Header({ session, path, onLogout }: { session: Session; path: string; onLogout: () => void }) {
  return (
    <header className="top">
      <Link to="/config" className="brand">
        Dials
      </Link>
      <nav aria-label="Views">
        <ul>
          {views.map((v) => (
            <li key={v.path}>
              <Link to={v.path} aria-current={inView(path, v.path) ? 'page' : undefined}>
                {v.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <span className="source" title="Where the values live">
        {session.source}
      </span>
      {session.user && (
        <span className="user">
          {session.user}{' '}
          <button type="button" onClick={onLogout}>
            Log out
          </button>
        </span>
      )}
    </header>
  );
}

/** The console: the session first, then the view its URL names. */
export function App() {
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<unknown>();
  const { path, params } = useLocation();
  const reload = useCallback(async () => {
    try {
      setSession(await nextSession());
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    whenLoginRequired(() => void reload());
    void reload();
  }, [reload]);
  const state = useMemo<SessionState | undefined>(() => (session ? { session, reload } : undefined), [session, reload]);

  useEffect(() => {
    if (!session) return;
    if (session.loginRequired && path !== '/login') navigate(`/login?next=${encodeURIComponent(path)}`, { replace: true });
    else if (!session.loginRequired && path === '/login') navigate(params.get('next') ?? '/config', { replace: true });
    else if (path === '/' || path === '') navigate('/config', { replace: true });
  }, [session, path, params]);

  if (!state || !session) return <main className="loading">{error ? <ErrorNotice error={error} /> : 'Loading…'}</main>;
  const onLogout = () => void logout().then(reload);
  return (
    <SessionContext.Provider value={state}>
      {session.loginRequired ? null : <Header session={session} path={path} onLogout={onLogout} />}
      <Banners session={session} />
      <main>{session.loginRequired ? path === '/login' && <Login /> : <View path={path} />}</main>
    </SessionContext.Provider>
  );
}
