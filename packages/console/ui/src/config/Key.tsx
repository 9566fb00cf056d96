import { useEffect, useState } from 'react';
import type { KeyView } from '../../../src/api/contract.ts';
import { useWritable } from '../app/session.ts';
import { ChangeList } from '../components/ChangeList.tsx';
import { Countdown } from '../components/Countdown.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useLoad } from '../components/useLoad.ts';
import { ValueText } from '../components/ValueText.tsx';
import { loadKey } from './configApi.ts';
import { KeyEditor } from './KeyEditor.tsx';
import type { Changed } from './Tree.tsx';

/** One key: its value (secrets redacted until revealed), countdown, the apps' rules, an editor and its history. */
export function Key({ keyName, changed }: { keyName: string; changed: Changed }) {
  const [reveal, setReveal] = useState(false);
  const view = useLoad(() => loadKey(keyName, reveal), [keyName, reveal]);
  const { reload } = view;
  useEffect(() => {
    if (changed.n > 0 && (changed.keys === undefined || changed.keys.includes(keyName))) reload();
  }, [changed, keyName, reload]);
  const writable = useWritable();
  const data = view.data?.key === keyName ? view.data : undefined;
  return (
    <article aria-label="Key">
      <h2 className="key">{keyName}</h2>
      <ErrorNotice error={view.error} />
      {data && (
        <>
          <Value view={data} onReveal={() => setReveal(true)} />
          <Rules view={data} />
          {writable && <KeyEditor view={data} onSaved={reload} />}
          <History view={data} />
        </>
      )}
    </article>
  );
}

function Value({ view, onReveal }: { view: KeyView; onReveal: () => void }) {
  const writable = useWritable();
  if (view.value === undefined)
    return <p className="muted">This key does not exist{writable ? ': write a value below to create it.' : '.'}</p>;
  return (
    <section aria-label="Value">
      <h3>Value</h3>
      <ValueText raw={view.value} />
      {view.redacted && (
        <p>
          A secret, hidden.{' '}
          <button type="button" onClick={onReveal}>
            Reveal
          </button>
        </p>
      )}
      {view.expiresAt !== undefined && (
        <p className="temporary">
          Temporary: goes back by itself in <Countdown expiresAt={view.expiresAt} />.
        </p>
      )}
      {view.modRevision !== undefined && <p className="muted">Revision {view.modRevision}</p>}
    </section>
  );
}

/** What each registered app accepts for this key (the JSON Schema it published). */
function Rules({ view }: { view: KeyView }) {
  if (view.rules.length === 0) return <p className="muted">No running app registered a schema for this key.</p>;
  return (
    <section aria-label="Rules">
      <h3>Apps that read it</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">App</th>
            <th scope="col">Required</th>
            <th scope="col">Accepts</th>
          </tr>
        </thead>
        <tbody>
          {view.rules.map((rule) => (
            <tr key={rule.app}>
              <td>{rule.app}</td>
              <td>{rule.required ? 'yes' : 'no'}</td>
              <td>
                {rule.unchecked ? (
                  <span className="muted">not checked: {rule.unchecked}</span>
                ) : (
                  <pre className="schema">
                    {rule.coerce ? `text read as ${rule.coerce}\n` : ''}
                    {JSON.stringify(rule.jsonSchema ?? {}, null, 2)}
                  </pre>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Who changed it, when, before → after: the releases that touched it, newest first. */
function History({ view }: { view: KeyView }) {
  return (
    <section aria-label="History">
      <h3>History</h3>
      {view.history.length === 0 && <p className="muted">No release changed this key.</p>}
      <ol className="history">
        {view.history.map((release) => (
          <li key={`${release.namespace}/${release.id}`}>
            <p>
              <time dateTime={release.at}>{new Date(release.at).toLocaleString()}</time> by <strong>{release.author}</strong>
              {release.message ? `: ${release.message}` : ''}
              {release.forced ? ' (forced past a schema)' : ''}
              {release.rollbackOf ? ` (rollback of ${release.rollbackOf})` : ''}
            </p>
            <ChangeList changes={release.changes.filter((c) => c.key === view.key)} label={`Change in release ${release.id}`} />
          </li>
        ))}
      </ol>
    </section>
  );
}
