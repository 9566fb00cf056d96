import { useCallback, useState } from 'react';
import type { CreatedOfrepKey } from '../../../src/api/contract.ts';
import { ApiFailure } from '../app/api.ts';
import { Link, restOf } from '../app/router.tsx';
import { useSession, useWritable } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { createOfrepKey, loadOfrepKeys, revokeOfrepKey } from './ofrepKeysApi.ts';

const KEYS_PREFIX = '/dials/ofrep-keys/';

/** A flags root as a namespace: `/flags/shop/dev/` → `flags/shop/dev`. */
const namespaceOf = (prefix: string) => prefix.replace(/^\/+|\/+$/g, '') || 'default';

/** The OFREP keys view (`/ofrep-keys/<namespace>`): API keys that let OFREP clients read a namespace's flags. */
export function OfrepKeys({ path }: { path: string }) {
  const { session } = useSession();
  const namespaces = [...new Set(session.flagRoots.map(namespaceOf))];
  const namespace = restOf(path, 'ofrep-keys', false).replace(/\/+$/, '') || namespaces[0] || '';
  return (
    <div className="split">
      <aside aria-label="Namespaces">
        <h1>OFREP keys</h1>
        <ul className="namespaces">
          {[...new Set([...namespaces, namespace])].map((n) => (
            <li key={n}>
              <Link to={`/ofrep-keys/${n}`} aria-current={n === namespace ? 'page' : undefined}>
                {n}
              </Link>
            </li>
          ))}
        </ul>
      </aside>
      <section className="detail">{namespace && <Keys namespace={namespace} />}</section>
    </div>
  );
}

function Keys({ namespace }: { namespace: string }) {
  const list = useLoad(() => loadOfrepKeys(namespace), [namespace]);
  const { reload } = list;
  const live = useLive(
    [`${KEYS_PREFIX}${namespace}/`],
    useCallback(() => reload(), [reload]),
  );
  const writable = useWritable();
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<CreatedOfrepKey>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>();
  const create = async () => {
    setError(undefined);
    setCopied(false);
    try {
      setCreated(await createOfrepKey({ namespace, ...(label ? { label } : {}) }));
      setLabel('');
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (hash: string) => {
    setError(undefined);
    try {
      await revokeOfrepKey(namespace, hash);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const missing = list.error instanceof ApiFailure && list.error.status === 404;
  if (missing) return <p className="notice warning">This console's server has no OFREP key routes (GET /api/ofrep-keys answered 404).</p>;
  return (
    <>
      <div className="row">
        <h2 className="key">{namespace}</h2>
        <LiveBadge state={live} />
      </div>
      <p className="muted">OFREP clients send one of these keys to read the flags of {namespace}. Only a hash of each key is kept.</p>
      <ErrorNotice error={list.error} />
      {writable && (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label>
            Label
            <input value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} placeholder="checkout service" />
          </label>
          <button type="submit">Create key</button>
        </form>
      )}
      {created && (
        <section className="notice ok created-key" aria-label="New key">
          <p>The new key, shown this once: copy it now.</p>
          <code>{created.key}</code>{' '}
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard.writeText(created.key).then(
                () => setCopied(true),
                (e: unknown) => setError(e),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>{' '}
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </section>
      )}
      <ErrorNotice error={error} label="Refused" />
      {list.data && (
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Hash</th>
              <th scope="col">Created</th>
              <th scope="col">By</th>
              {writable && <th scope="col" />}
            </tr>
          </thead>
          <tbody>
            {list.data.keys.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No keys: OFREP clients of {namespace} are refused.
                </td>
              </tr>
            )}
            {list.data.keys.map((k) => (
              <tr key={k.hash}>
                <td>{k.label || <span className="muted">(no label)</span>}</td>
                <td className="key">{k.hash.slice(0, 12)}…</td>
                <td>
                  <time dateTime={k.createdAt}>{new Date(k.createdAt).toLocaleString()}</time>
                </td>
                <td>{k.createdBy}</td>
                {writable && (
                  <td>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Revoke ${k.label || k.hash.slice(0, 12)}`}
                      onClick={() => void revoke(k.hash)}
                    >
                      Revoke
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
