import { useState } from 'react';
import type { KeyView, ReleaseSummary } from '../../../src/api/contract.ts';
import { ApiFailure } from '../app/api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { deleteKey, writeKey } from './configApi.ts';
import { checkRaw } from './schemaCheck.ts';

/**
 * Edit a key: the apps' JSON Schemas are checked as you type (in the browser; the server checks
 * again and its refusal names the apps), an optional time to live makes it a temporary override.
 */
export function KeyEditor({ view, onSaved }: { view: KeyView; onSaved: () => void }) {
  const current = view.redacted ? '' : (view.value ?? '');
  const [draft, setDraft] = useState<string>();
  const [message, setMessage] = useState('');
  const [ttl, setTtl] = useState('');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<ReleaseSummary>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const value = draft ?? current;
  const checks = view.rules.filter((r) => r.jsonSchema).map((r) => ({ app: r.app, failure: checkRaw(value, r) }));
  const ttlSeconds = ttl.trim() === '' ? undefined : Number(ttl);
  const ttlBad = ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0);
  const refused = error instanceof ApiFailure && error.refused.length > 0;

  const save = async (force: boolean) => {
    setError(undefined);
    setSaved(undefined);
    try {
      const result = await writeKey({
        key: view.key,
        value,
        ...(message ? { message } : {}),
        ...(ttlSeconds ? { ttlMs: ttlSeconds * 1000 } : {}),
        ...(force ? { force: true } : {}),
      });
      // The namespace requires approval: the write became a change request, and the page went to it.
      if (!result) return;
      setSaved(result.release);
      setDraft(undefined);
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async () => {
    setConfirmDelete(false);
    try {
      const result = await deleteKey(view.key);
      if (!result) return;
      setSaved(result.release);
      onSaved();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-label="Edit">
      <h3>Edit</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(false);
        }}
      >
        <label>
          New value
          <textarea
            rows={Math.min(20, Math.max(3, value.split('\n').length + 1))}
            value={value}
            onChange={(e) => setDraft(e.target.value)}
            spellCheck={false}
          />
        </label>
        {view.redacted && draft === undefined && <p className="muted">A secret: type the new value (the current one stays hidden).</p>}
        {view.review && (
          <p className="notice warning" role="note" aria-label="Review required">
            Writes here need {view.review.required} approval{view.review.required === 1 ? '' : 's'} ({view.review.policy}): saving proposes
            a change request, and nothing is written until it is approved and applied.
          </p>
        )}
        {checks.length > 0 && (
          <ul className="checks" aria-label="Schema check">
            {checks.map((c) => (
              <li key={c.app} className={c.failure ? 'bad' : 'good'}>
                {c.failure ? `${c.app} would refuse it: ${c.failure}` : `${c.app} accepts it`}
              </li>
            ))}
          </ul>
        )}
        <div className="row">
          <label>
            Message
            <input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="why" />
          </label>
          <label>
            Expires after (seconds)
            <input inputMode="numeric" value={ttl} onChange={(e) => setTtl(e.target.value)} placeholder="never" aria-invalid={ttlBad} />
          </label>
        </div>
        <div className="row">
          <button type="submit" disabled={ttlBad}>
            {ttlSeconds ? 'Save temporarily' : 'Save'}
          </button>
          {refused && (
            <button type="button" className="danger" onClick={() => void save(true)}>
              Save anyway (recorded as forced)
            </button>
          )}
          {view.value !== undefined &&
            (confirmDelete ? (
              <span className="confirm">
                Delete {view.key}?{' '}
                <button type="button" className="danger" onClick={() => void remove()}>
                  Yes, delete
                </button>{' '}
                <button type="button" onClick={() => setConfirmDelete(false)}>
                  Keep it
                </button>
              </span>
            ) : (
              <button type="button" onClick={() => setConfirmDelete(true)}>
                Delete
              </button>
            ))}
        </div>
      </form>
      <ErrorNotice error={error} label="Write refused" />
      {saved && (
        <output className="notice ok" aria-label="Saved">
          Saved as release {saved.id} of {saved.namespace}.
        </output>
      )}
    </section>
  );
}
