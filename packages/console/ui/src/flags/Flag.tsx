import { useEffect, useState } from 'react';
import type { FlagCheckResult, FlagEvaluation, FlagSummary } from '../../../src/api/contract.ts';
import { useWritable } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { checkTargeting, evaluateFlag, updateFlag } from './flagsApi.ts';

const targetingText = (flag: FlagSummary) => (flag.targeting === undefined ? '' : JSON.stringify(flag.targeting, null, 2));

/** One flag: its default variant, its targeting rule (checked while typed) and an evaluation for a context. */
export function Flag({ prefix, flag, onSaved }: { prefix: string; flag: FlagSummary; onSaved: () => void }) {
  const writable = useWritable();
  return (
    <article className="flag" aria-label={`Flag ${flag.key}`}>
      <h2>{flag.key}</h2>
      {flag.invalid && <p className="notice error">This document does not compile: {flag.invalid}</p>}
      {writable && <DefaultVariant prefix={prefix} flag={flag} onSaved={onSaved} />}
      <Targeting prefix={prefix} flag={flag} onSaved={onSaved} writable={writable} />
      <Evaluate prefix={prefix} flag={flag} />
    </article>
  );
}

function DefaultVariant({ prefix, flag, onSaved }: { prefix: string; flag: FlagSummary; onSaved: () => void }) {
  const [error, setError] = useState<unknown>();
  const change = async (variant: string) => {
    setError(undefined);
    try {
      await updateFlag({ prefix, key: flag.key, defaultVariant: variant });
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="Default variant">
      <label>
        Default variant
        <select value={flag.defaultVariant ?? ''} onChange={(e) => void change(e.target.value)}>
          {flag.defaultVariant === null && <option value="">(none)</option>}
          {flag.variants.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <ErrorNotice error={error} label="Change refused" />
    </section>
  );
}

function Targeting({ prefix, flag, onSaved, writable }: { prefix: string; flag: FlagSummary; onSaved: () => void; writable: boolean }) {
  const [draft, setDraft] = useState<string>();
  const [check, setCheck] = useState<FlagCheckResult>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const text = draft ?? targetingText(flag);
  useEffect(() => {
    if (draft === undefined) {
      setCheck(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      checkTargeting({ prefix, key: flag.key, targeting: draft.trim() === '' ? 'null' : draft }).then(
        (result) => current && setCheck(result),
        (e: unknown) => current && setError(e),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [draft, prefix, flag.key]);
  const save = async () => {
    setError(undefined);
    setSaved(false);
    try {
      await updateFlag({ prefix, key: flag.key, targeting: text.trim() === '' ? 'null' : text });
      setDraft(undefined);
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="Targeting">
      <label>
        Targeting (JSON)
        <textarea
          rows={Math.min(20, text.split('\n').length + 2)}
          value={text}
          readOnly={!writable}
          spellCheck={false}
          onChange={(e) => setDraft(e.target.value)}
        />
      </label>
      {check && (
        <output className={check.ok ? 'notice ok' : 'notice error'} aria-label="Targeting check">
          {check.ok
            ? 'Valid targeting.'
            : `${check.message ?? 'Invalid'}${check.line !== undefined ? ` (line ${check.line}, column ${check.column})` : ''}`}
        </output>
      )}
      {writable && (
        <button type="button" disabled={draft === undefined || check?.ok === false} onClick={() => void save()}>
          Save targeting
        </button>
      )}
      {saved && <output className="notice ok">Targeting saved.</output>}
      <ErrorNotice error={error} label="Change refused" />
    </section>
  );
}

function Evaluate({ prefix, flag }: { prefix: string; flag: FlagSummary }) {
  const [context, setContext] = useState('{\n  "targetingKey": "user-1"\n}');
  const [result, setResult] = useState<FlagEvaluation>();
  const [error, setError] = useState<unknown>();
  const evaluate = async () => {
    setError(undefined);
    setResult(undefined);
    try {
      const parsed: unknown = JSON.parse(context);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('The context must be a JSON object');
      setResult(await evaluateFlag({ prefix, key: flag.key, context: parsed as Record<string, unknown> }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="Evaluate">
      <h3>Evaluate for this context</h3>
      <label>
        Context (JSON)
        <textarea rows={4} value={context} spellCheck={false} onChange={(e) => setContext(e.target.value)} />
      </label>
      <button type="button" onClick={() => void evaluate()}>
        Evaluate
      </button>
      <ErrorNotice error={error} />
      {result && (
        <dl className="evaluation" aria-label="Evaluation">
          <dt>Value</dt>
          <dd>{JSON.stringify(result.value)}</dd>
          <dt>Variant</dt>
          <dd>{result.variant ?? '(none)'}</dd>
          <dt>Reason</dt>
          <dd>{result.reason}</dd>
          {result.errorCode && (
            <>
              <dt>Error</dt>
              <dd>
                {result.errorCode}: {result.errorMessage}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
