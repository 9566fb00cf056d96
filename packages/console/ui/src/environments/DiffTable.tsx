import type { Diff } from '../../../src/api/contract.ts';

/** Every path that differs between the two sides, in order. */
export const diffPaths = (diff: Diff) =>
  [...diff.differ.map((d) => d.path), ...diff.onlyA.map((d) => d.path), ...diff.onlyB.map((d) => d.path)].sort();

/** The two prefixes side by side, one row per path that differs, each with a box to choose it. */
export function DiffTable({
  diff,
  chosen,
  writable,
  onChoose,
}: {
  diff: Diff;
  chosen: ReadonlySet<string>;
  writable: boolean;
  onChoose: (next: ReadonlySet<string>) => void;
}) {
  const rows = new Map<string, { a?: string; b?: string }>();
  for (const d of diff.differ) rows.set(d.path, { a: d.a, b: d.b });
  for (const d of diff.onlyA) rows.set(d.path, { a: d.value });
  for (const d of diff.onlyB) rows.set(d.path, { b: d.value });
  const paths = diffPaths(diff);
  if (paths.length === 0) return <p className="notice ok">The two prefixes hold the same values.</p>;
  const all = paths.every((p) => chosen.has(p));
  const toggle = (path: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(path);
    else next.delete(path);
    onChoose(next);
  };
  return (
    <table className="diff" aria-label="Differences">
      <thead>
        <tr>
          {writable && (
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Choose all"
                checked={all}
                onChange={(e) => onChoose(new Set(e.target.checked ? paths : []))}
              />
            </th>
          )}
          <th scope="col">Key</th>
          <th scope="col">{diff.a}</th>
          <th scope="col">{diff.b}</th>
        </tr>
      </thead>
      <tbody>
        {paths.map((path) => {
          const row = rows.get(path) ?? {};
          return (
            <tr key={path}>
              {writable && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Choose ${path}`}
                    checked={chosen.has(path)}
                    onChange={(e) => toggle(path, e.target.checked)}
                  />
                </td>
              )}
              <td className="key">{path}</td>
              <td className="value">{row.a ?? <span className="muted">(none)</span>}</td>
              <td className="value">{row.b ?? <span className="muted">(none)</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
