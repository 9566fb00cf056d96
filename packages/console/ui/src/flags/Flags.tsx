import { useCallback, useState } from 'react';
import type { FlagSummary } from '../../../src/api/contract.ts';
import { Link, restOf } from '../app/router.tsx';
import { useSession, useWritable } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { Flag } from './Flag.tsx';
import { loadFlags, loadFolders, updateFlag } from './flagsApi.ts';
import { flagUrl } from './paths.ts';

/** The Flags view (`/flags/<prefix>[<flag>]`): the flags of a prefix with their state and use, and one flag opened. */
export function Flags({ path }: { path: string }) {
  const { session } = useSession();
  const rooted = !session.flagRoots.includes('');
  const rest = restOf(path, 'flags', rooted);
  const prefix = rest === '' ? (session.flagRoots[0] ?? '') : rest.slice(0, rest.lastIndexOf('/') + 1);
  const selected = rest.slice(prefix.length);
  return (
    <section>
      <h1>Flags</h1>
      {session.flagRoots.length > 1 && (
        <nav aria-label="Flag roots" className="tabs">
          {session.flagRoots.map((root) => (
            <Link key={root} to={flagUrl(root)} aria-current={prefix.startsWith(root) ? 'page' : undefined}>
              {root || 'flags file'}
            </Link>
          ))}
        </nav>
      )}
      <FlagTable prefix={prefix} selected={selected} />
    </section>
  );
}

function FlagTable({ prefix, selected }: { prefix: string; selected: string }) {
  const list = useLoad(() => loadFlags(prefix), [prefix]);
  const { reload } = list;
  const live = useLive(
    [prefix],
    useCallback(() => reload(), [reload]),
    true,
  );
  const writable = useWritable();
  const [error, setError] = useState<unknown>();
  const toggle = async (flag: FlagSummary) => {
    setError(undefined);
    try {
      await updateFlag({ prefix, key: flag.key, state: flag.state === 'ENABLED' ? 'DISABLED' : 'ENABLED' });
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const flags = list.data?.prefix === prefix || list.data?.prefix === `${prefix}/` ? list.data.flags : undefined;
  const open = flags?.find((f) => f.key === selected);
  return (
    <>
      <div className="row">
        <h2 className="key">{prefix || 'the flags file'}</h2>
        <LiveBadge state={live} />
      </div>
      <ErrorNotice error={list.error} />
      <ErrorNotice error={error} label="Change refused" />
      {flags && flags.length === 0 && <Folders prefix={prefix} />}
      {flags && flags.length > 0 && (
        <table aria-label="Flags">
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">On</th>
              <th scope="col">Default variant</th>
              <th scope="col">Variants</th>
              <th scope="col">Evaluations</th>
              <th scope="col">Last evaluated</th>
            </tr>
          </thead>
          <tbody>
            {flags.map((flag) => (
              <tr key={flag.key} aria-current={flag.key === selected ? 'true' : undefined}>
                <td>
                  <Link to={flagUrl(prefix + flag.key)}>{flag.key}</Link>
                  {flag.invalid && <span className="bad"> (invalid: {flag.invalid})</span>}
                </td>
                <td>
                  <button
                    type="button"
                    role="switch"
                    aria-checked={flag.state === 'ENABLED'}
                    aria-label={`${flag.key} enabled`}
                    disabled={!writable}
                    onClick={() => void toggle(flag)}
                  >
                    {flag.state === 'ENABLED' ? 'On' : 'Off'}
                  </button>
                </td>
                <td>{flag.defaultVariant ?? <span className="muted">(none)</span>}</td>
                <td>{flag.variants.join(', ')}</td>
                <td>{flag.evaluations}</td>
                <td>
                  {flag.lastEvaluated ? (
                    <time dateTime={flag.lastEvaluated}>{new Date(flag.lastEvaluated).toLocaleString()}</time>
                  ) : (
                    'never'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <Flag key={open.key} prefix={prefix} flag={open} onSaved={reload} />}
      {flags && selected !== '' && !open && (
        <p className="notice error">
          No flag {selected} under {prefix}.
        </p>
      )}
    </>
  );
}

/** No flags here: the folders below, to go down to a prefix that holds flags. */
function Folders({ prefix }: { prefix: string }) {
  const tree = useLoad(() => loadFolders(prefix), [prefix]);
  const folders = tree.data?.children.filter((c) => c.kind === 'folder') ?? [];
  return (
    <>
      <p className="muted">No flags directly under {prefix || 'this root'}.</p>
      {folders.length > 0 && (
        <ul aria-label="Flag prefixes">
          {folders.map((f) => (
            <li key={f.path}>
              <Link to={flagUrl(f.path)}>{f.path}</Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
