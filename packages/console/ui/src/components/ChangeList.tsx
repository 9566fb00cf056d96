import type { Change } from '../../../src/api/contract.ts';

/** One key's change: before → after, `(none)` where it did not or will not exist. */
export function ChangeList({ changes, label }: { changes: readonly Change[]; label: string }) {
  if (changes.length === 0) return <p className="muted">No changes.</p>;
  return (
    <table className="changes" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Before</th>
          <th scope="col" />
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.key}>
            <td className="key">{c.key}</td>
            <td className="value before">{c.before ?? <span className="muted">(none)</span>}</td>
            <td aria-hidden="true">→</td>
            <td className="value after">{c.after ?? <span className="muted">(deleted)</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
