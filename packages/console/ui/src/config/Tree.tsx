import { useEffect, useState } from 'react';
import { Link } from '../app/router.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useLoad } from '../components/useLoad.ts';
import { loadTreeOnce, takeArrivedTree } from './configApi.ts';
import { keyUrl } from './paths.ts';

/** The last change seen live: the keys it touched (undefined: anything may have changed). */
export interface Changed {
  readonly n: number;
  readonly keys: readonly string[] | undefined;
  /** The revision the live watch started from: anything read before it is read again. */
  readonly watchFrom: number;
}

const PAGE = 200;

/**
 * One folder of the tree, loaded when it is opened (`GET /api/tree?prefix=`: the next level only),
 * and again when a change under it arrives. Folders on the way to the selected key start open.
 */
export function TreeFolder({
  prefix,
  name,
  count,
  selected,
  changed,
  root = false,
}: {
  prefix: string;
  name: string;
  count?: number;
  selected: string;
  changed: Changed;
  root?: boolean;
}) {
  const [open, setOpen] = useState(() => root || selected.startsWith(prefix));
  useEffect(() => {
    if (selected.startsWith(prefix)) setOpen(true);
  }, [selected, prefix]);
  return (
    <li className="folder">
      {root ? (
        <span className="root-name">{name}</span>
      ) : (
        <button type="button" className="folder-name" aria-expanded={open} onClick={() => setOpen(!open)}>
          {name}/{count === undefined ? '' : <span className="count"> {count}</span>}
        </button>
      )}
      {open && <FolderChildren prefix={prefix} selected={selected} changed={changed} />}
    </li>
  );
}

function FolderChildren({ prefix, selected, changed }: { prefix: string; selected: string; changed: Changed }) {
  const tree = useLoad(
    () => loadTreeOnce(prefix),
    [prefix],
    () => takeArrivedTree(prefix),
  );
  const [shown, setShown] = useState(PAGE);
  const { reload } = tree;
  useEffect(() => {
    if (changed.keys?.some((k) => k.startsWith(prefix))) reload();
  }, [changed, prefix, reload]);
  const readAt = tree.data?.revision;
  useEffect(() => {
    if (readAt !== undefined && readAt < changed.watchFrom) reload();
  }, [readAt, changed.watchFrom, reload]);
  if (tree.error && !tree.data) return <ErrorNotice error={tree.error} />;
  if (!tree.data) return <p className="muted">Loading…</p>;
  const children = tree.data.children;
  return (
    <ul aria-label={prefix === '' ? 'Keys' : `Keys under ${prefix}`}>
      {children.length === 0 && <li className="muted">(empty)</li>}
      {children.slice(0, shown).map((child) =>
        child.kind === 'folder' ? (
          <TreeFolder key={child.path} prefix={child.path} name={child.name} count={child.count} selected={selected} changed={changed} />
        ) : (
          <li key={child.path} className="leaf">
            <Link to={keyUrl(child.path)} aria-current={child.path === selected ? 'page' : undefined}>
              {child.name}
            </Link>
          </li>
        ),
      )}
      {children.length > shown && (
        <li>
          <button type="button" className="more" onClick={() => setShown(shown + PAGE)}>
            Show {Math.min(PAGE, children.length - shown)} more of {children.length - shown}
          </button>
        </li>
      )}
    </ul>
  );
}
