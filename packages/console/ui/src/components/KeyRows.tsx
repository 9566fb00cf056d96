/** One key of a form that writes several: its new value, or (where the form allows it) its deletion. */
export interface KeyRow {
  key: string;
  value: string;
  remove: boolean;
}

/** A row for a key in `namespace`, its path started for the user. */
export function emptyRow(namespace: string): KeyRow {
  return { key: namespace ? `/${namespace}/` : '', value: '', remove: false };
}

/**
 * The key rows of a form (change request, gray release): "Key n" and "Value n" inputs, a "Delete it"
 * box when `deletes` is set, and "Add a key" for one more row.
 */
export function KeyRows({
  rows,
  onChange,
  namespace,
  deletes,
}: {
  rows: readonly KeyRow[];
  onChange: (rows: KeyRow[]) => void;
  namespace: string;
  deletes: boolean;
}) {
  const update = (i: number, patch: Partial<KeyRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <>
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
          {deletes && (
            <label className="check">
              <input type="checkbox" checked={row.remove} onChange={(e) => update(i, { remove: e.target.checked })} /> Delete it
            </label>
          )}
        </div>
      ))}
      <div className="row">
        <button type="button" onClick={() => onChange([...rows, emptyRow(namespace)])}>
          Add a key
        </button>
      </div>
    </>
  );
}
