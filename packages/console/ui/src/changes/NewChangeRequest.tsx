import { useState } from 'react';
import { navigate } from '../app/router.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { emptyRow, type KeyRow, KeyRows } from '../components/KeyRows.tsx';
import { changePath, createChange } from './changesApi.ts';

/** Draft a change request: keys of one namespace with their new values (or deleted). Nothing is written until it is applied. */
export function NewChangeRequest({ namespace }: { namespace: string }) {
  const [ns, setNs] = useState(namespace);
  const [title, setTitle] = useState('');
  const [rows, setRows] = useState<KeyRow[]>([emptyRow(namespace)]);
  const [error, setError] = useState<unknown>();
  const submit = async () => {
    setError(undefined);
    try {
      const { request } = await createChange({
        namespace: ns,
        ...(title ? { title } : {}),
        changes: rows.map((r) => (r.remove ? { key: r.key } : { key: r.key, value: r.value })),
      });
      navigate(changePath(request.namespace, request.id));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="New change request">
      <h3>New change request</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="row">
          <label>
            Namespace
            <input value={ns} onChange={(e) => setNs(e.target.value)} placeholder="config/shop/production" required />
          </label>
          <label>
            Title
            <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="what and why" />
          </label>
        </div>
        <KeyRows rows={rows} onChange={setRows} namespace={ns} deletes />
        <div className="row">
          <button type="submit" className="primary">
            Draft change request
          </button>
        </div>
      </form>
      <ErrorNotice error={error} label="Draft refused" />
    </section>
  );
}
