import { ApiFailure } from '../app/api.ts';

/**
 * What went wrong, in the server's words: a refused write names each key, the apps whose schema
 * refuses it, and why. Everything is text.
 */
export function ErrorNotice({ error, label = 'Error' }: { error: unknown; label?: string }) {
  if (error === undefined || error === null) return null;
  const failure = error instanceof ApiFailure ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="notice error" role="alert" aria-label={label}>
      <p>
        {failure?.status === 403 && failure.code !== 'CSRF' ? 'Not allowed: ' : ''}
        {message}
      </p>
      {failure && failure.refused.length > 0 && (
        <ul className="refusals">
          {failure.refused.map((r) => (
            <li key={`${r.key}\u0000${r.message}`}>
              <span className="key">{r.key}</span> refused by <strong>{r.apps.join(', ')}</strong>: {r.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
