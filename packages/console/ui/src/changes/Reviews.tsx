import type { ChangeRequestView } from '../../../src/api/delivery-contract.ts';

/** Who approved and who rejected, with their comments. */
export function Reviews({ cr }: { cr: ChangeRequestView }) {
  const reviews = [
    ...cr.approvals.map((r) => ({ ...r, verdict: 'approved' })),
    ...cr.rejections.map((r) => ({ ...r, verdict: 'rejected' })),
  ];
  if (reviews.length === 0) return null;
  return (
    <section aria-label="Reviews">
      <h3>Reviews</h3>
      <ul>
        {reviews.map((r) => (
          <li key={`${r.verdict}\u0000${r.by}\u0000${r.at}`}>
            {r.by} {r.verdict} <time dateTime={r.at}>{new Date(r.at).toLocaleString()}</time>
            {r.reason ? `: ${r.reason}` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Everything that happened to the request, oldest first. */
export function History({ cr }: { cr: ChangeRequestView }) {
  return (
    <section aria-label="History" className="history">
      <h3>History</h3>
      <ol>
        {cr.history.map((e) => (
          <li key={`${e.at}\u0000${e.action}\u0000${e.by}`}>
            <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> {e.by} {e.action}
            {e.detail ? `: ${e.detail}` : ''}
          </li>
        ))}
      </ol>
    </section>
  );
}
