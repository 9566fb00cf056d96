import { useCallback, useEffect, useState } from 'react';
import type { ChangeEvent, Session } from '../../../src/api/contract.ts';
import { Link, navigate, restOf } from '../app/router.tsx';
import { useRooted, useSession } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { prefetchTrees, searchKeys } from './configApi.ts';
import { Key } from './Key.tsx';
import { keyUrl } from './paths.ts';
import { type Changed, TreeFolder } from './Tree.tsx';

/** The Config view (`/config/<prefix or key>`): the tree per root, search, and the selected key. */
export function Config({ path }: { path: string }) {
  const { session } = useSession();
  const rooted = useRooted();
  const selected = restOf(path, 'config', rooted);
  const roots = session.configRoots;
  useState(() => prefetchConfig(session, path));
  const [changed, setChanged] = useState<Changed>({ n: 0, keys: [], watchFrom: 0 });
  const onChange = useCallback((event: ChangeEvent | undefined, watchFrom?: number) => {
    setChanged((c) => ({ n: c.n + 1, keys: event?.changes.map((x) => x.key), watchFrom: Math.max(c.watchFrom, watchFrom ?? 0) }));
  }, []);
  const live = useLive(roots, onChange);
  const isKey = selected !== '' && !selected.endsWith('/');
  return (
    <div className="split">
      <aside className="tree" aria-label="Config tree">
        <div className="row">
          <h1>Config</h1>
          <LiveBadge state={live} />
        </div>
        <Search roots={roots} />
        <nav aria-label="Keys">
          <ul className="roots">
            {roots.map((root) => (
              <TreeFolder key={root} root prefix={root} name={root || 'files'} selected={selected} changed={changed} />
            ))}
          </ul>
        </nav>
      </aside>
      <section className="detail">
        {isKey ? <Key key={selected} keyName={selected} changed={changed} /> : <Folder prefix={selected || roots[0] || ''} />}
      </section>
    </div>
  );
}

/**
 * Start the reads of the Config view at `path`: the roots and, for a deep link, every folder on its
 * way, side by side, roots first (the server reads a folder asked for during its parent's read from
 * that one). The page calls it as soon as the session is known, before the view renders.
 */
export function prefetchConfig(session: Session, path: string): void {
  if (session.loginRequired || !(path === '/config' || path.startsWith('/config/'))) return;
  const selected = restOf(path.split('?')[0] ?? '', 'config', !session.configRoots.includes(''));
  prefetchTrees(session.configRoots.flatMap((root) => [root, ...foldersBetween(root, selected)]));
}

/** The folders strictly below `root` on the way to `selected`: `/a/`, `/a/b/c` → `/a/b/`. */
function foldersBetween(root: string, selected: string): string[] {
  if (!selected.startsWith(root)) return [];
  const segments = selected.slice(root.length).split('/').slice(0, -1);
  return segments.map((_, i) => `${root}${segments.slice(0, i + 1).join('/')}/`);
}

/** A folder selected: where to add a key. */
function Folder({ prefix }: { prefix: string }) {
  const [name, setName] = useState('');
  return (
    <>
      <h2 className="key">{prefix || '(all keys)'}</h2>
      <p className="muted">Pick a key in the tree, or search. A namespace loads one level at a time.</p>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (name) navigate(keyUrl(prefix + name.replace(/^\//, '')));
        }}
      >
        <label>
          New key under {prefix || 'the root'}
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="database/host" />
        </label>
        <button type="submit" disabled={name === ''}>
          Open
        </button>
      </form>
    </>
  );
}

/** Search every root for keys containing the text (`GET /api/search`). */
function Search({ roots }: { roots: readonly string[] }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<{ keys: string[]; more: boolean }>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (q.trim() === '') {
      setFound(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      Promise.all(roots.map((root) => searchKeys(q.trim(), root))).then(
        (results) => {
          if (!current) return;
          setFound({ keys: results.flatMap((r) => r.keys), more: results.some((r) => r.more) });
          setError(undefined);
        },
        (e: unknown) => current && setError(e),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [q, roots]);
  return (
    <div className="search">
      <label>
        Search keys
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <ErrorNotice error={error} />
      {found && (
        <ul aria-label="Search results">
          {found.keys.length === 0 && <li className="muted">No key contains “{q}”.</li>}
          {found.keys.map((key) => (
            <li key={key}>
              <Link to={keyUrl(key)}>{key}</Link>
            </li>
          ))}
          {found.more && <li className="muted">More keys match: type more of the name.</li>}
        </ul>
      )}
    </div>
  );
}
