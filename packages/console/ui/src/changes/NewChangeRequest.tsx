import { useState } from 'react';
import { navigate } from '../app/router.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { changePath, createChange } from './changesApi.ts';

interface Row {
  key: string;
  value: string;
  remove: boolean;
}

/** Draft a change request: keys of one namespace with their new values (or deleted). Nothing is written until it is applied. */
export function NewChangeRequest({ namespace }: { namespace: string }) {
  const [ns, setNs] = useState(namespace);
  const [title, setTitle] = useState('');
  const [rows, setRows] = useState<Row[]>([{ key: namespace ? `/${namespace}/` : '', value: '', remove: false }]);
  const [error, setError] = useState<unknown>();
  const update = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
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
        {rows.map((row, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          <div className="row" key={i}>
            <label>
              Key {i + 1}
              <input value={row.key} onChange={(e) => update(i, { key: e.target.value })} spellCheck={false} required />
            </label>
            <label>
              Value {i + 1}
              <input value={row.value} onChange={(e) => update(i, { value: e.target.value })} disabled={row.remove} spellCheck={false} />
            </label>
            <label className="check">
              <input type="checkbox" checked={row.remove} onChange={(e) => update(i, { remove: e.target.checked })} /> Delete it
            </label>
          </div>
        ))}
        <div className="row">
          <button type="button" onClick={() => setRows([...rows, { key: ns ? `/${ns}/` : '', value: '', remove: false }])}>
            Add a key
          </button>
          <button type="submit" className="primary">
            Draft change request
          </button>
        </div>
      </form>
      <ErrorNotice error={error} label="Draft refused" />
    </section>
  );
}
