import { useState } from 'react';
import { navigate } from '../app/router.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { emptyRow, type KeyRow, KeyRows } from '../components/KeyRows.tsx';
import { grayPath, parseLabels, startGray } from './grayApi.ts';

/** Start a gray release: values of keys of one namespace for the instances with these labels, optionally step by step. */
export function NewGray({ namespace }: { namespace: string }) {
  const [ns, setNs] = useState(namespace);
  const [rows, setRows] = useState<KeyRow[]>([emptyRow(namespace)]);
  const [labels, setLabels] = useState('');
  const [steps, setSteps] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>();
  const parsed = parseLabels(labels);
  const stepList = steps.trim() === '' ? undefined : steps.split(',').map((s) => Number(s.trim()));
  const stepsBad = stepList?.some((s) => !Number.isFinite(s)) ?? false;
  const submit = async () => {
    setError(undefined);
    if (typeof parsed === 'string') return setError(new Error(`Labels: ${parsed}`));
    try {
      const { gray } = await startGray({
        namespace: ns,
        changes: rows.map((r) => ({ key: r.key, value: r.value })),
        labels: parsed,
        ...(stepList ? { steps: stepList } : {}),
        ...(message ? { message } : {}),
      });
      if (gray) navigate(grayPath(gray.namespace, gray.id));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="New gray release">
      <h3>New gray release</h3>
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
            Message
            <input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="why" />
          </label>
        </div>
        <KeyRows rows={rows} onChange={setRows} namespace={ns} deletes={false} />
        <div className="row">
          <label>
            Labels
            <input
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder="canary=true, zone=eu-1"
              aria-invalid={typeof parsed === 'string'}
            />
          </label>
          <label>
            Steps (%)
            <input
              value={steps}
              onChange={(e) => setSteps(e.target.value)}
              placeholder="all at once, or 10, 50, 100"
              aria-invalid={stepsBad}
            />
          </label>
        </div>
        <button type="submit" className="primary" disabled={stepsBad}>
          Start gray release
        </button>
      </form>
      <ErrorNotice error={error} label="Gray release refused" />
    </section>
  );
}
