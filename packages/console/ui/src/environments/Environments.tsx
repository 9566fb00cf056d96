import { useCallback, useEffect, useState } from 'react';
import type { Diff, PromoteResult } from '../../../src/api/contract.ts';
import { navigate, useLocation } from '../app/router.tsx';
import { useWritable } from '../app/session.ts';
import { ChangeList } from '../components/ChangeList.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LiveBadge } from '../components/LiveBadge.tsx';
import { useLive } from '../components/useLive.ts';
import { useLoad } from '../components/useLoad.ts';
import { DiffTable, diffPaths } from './DiffTable.tsx';
import { loadDiff, promote } from './environmentsApi.ts';

/**
 * The Environments view (`/environments?from=&to=`): two prefixes side by side, then promote the
 * chosen keys, after a preview of exactly what will be written.
 */
export function Environments() {
  const { params } = useLocation();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [fromInput, setFromInput] = useState(from);
  const [toInput, setToInput] = useState(to);
  useEffect(() => {
    setFromInput(from);
    setToInput(to);
  }, [from, to]);
  return (
    <section>
      <h1>Environments</h1>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/environments?${new URLSearchParams({ from: fromInput, to: toInput })}`);
        }}
      >
        <label>
          From
          <input value={fromInput} onChange={(e) => setFromInput(e.target.value)} placeholder="/config/shop/staging/" />
        </label>
        <label>
          To
          <input value={toInput} onChange={(e) => setToInput(e.target.value)} placeholder="/config/shop/production/" />
        </label>
        <button type="submit" disabled={!fromInput || !toInput}>
          Compare
        </button>
      </form>
      {from && to && <Comparison key={`${from}\u0000${to}`} from={from} to={to} />}
    </section>
  );
}

function Comparison({ from, to }: { from: string; to: string }) {
  const diff = useLoad(() => loadDiff(from, to), [from, to]);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [withDeletes, setWithDeletes] = useState(false);
  const [preview, setPreview] = useState<PromoteResult>();
  const [done, setDone] = useState<PromoteResult>();
  const [error, setError] = useState<unknown>();
  const writable = useWritable();
  const { reload } = diff;
  const live = useLive(
    [from, to],
    useCallback(() => {
      reload();
      setPreview(undefined);
    }, [reload]),
  );

  const request = (apply: boolean) => ({ from, to, paths: [...chosen], delete: withDeletes, apply });
  const showPreview = async () => {
    setError(undefined);
    setDone(undefined);
    try {
      setPreview(await promote(request(false)));
    } catch (e) {
      setError(e);
    }
  };
  const apply = async () => {
    setError(undefined);
    try {
      const result = await promote({ ...request(true), message: `promote ${chosen.size} keys from ${from} to ${to}` });
      setDone(result);
      setPreview(undefined);
      setChosen(new Set());
      reload();
    } catch (e) {
      setError(e);
    }
  };

  const data: Diff | undefined = diff.data;
  return (
    <>
      <div className="row">
        <LiveBadge state={live} />
        {data && (
          <span className="muted">
            {data.differ.length} differ, {data.onlyA.length} only in {data.a}, {data.onlyB.length} only in {data.b}, {data.same} the same
          </span>
        )}
      </div>
      <ErrorNotice error={diff.error} />
      {data && (
        <DiffTable
          diff={data}
          chosen={chosen}
          writable={writable}
          onChoose={(next) => {
            setChosen(next);
            setPreview(undefined);
          }}
        />
      )}
      {writable && data && diffPaths(data).length > 0 && (
        <div className="row">
          <label className="check">
            <input type="checkbox" checked={withDeletes} onChange={(e) => setWithDeletes(e.target.checked)} />
            Also delete chosen keys that exist only in {to}
          </label>
          <button type="button" disabled={chosen.size === 0} onClick={() => void showPreview()}>
            Preview promotion
          </button>
        </div>
      )}
      {preview && (
        <section className="preview" aria-label="Promotion preview">
          <h2>
            This writes {preview.changes.length} changes to {to}
          </h2>
          <ChangeList changes={preview.changes} label="What will be written" />
          <div className="row">
            <button type="button" className="primary" disabled={preview.changes.length === 0} onClick={() => void apply()}>
              Promote {preview.changes.length} changes
            </button>
            <button type="button" onClick={() => setPreview(undefined)}>
              Cancel
            </button>
          </div>
        </section>
      )}
      <ErrorNotice error={error} label="Promotion refused" />
      {done?.release && (
        <output className="notice ok" aria-label="Promoted">
          Promoted {done.changes.length} changes: release {done.release.id} of {done.release.namespace}.
        </output>
      )}
    </>
  );
}
