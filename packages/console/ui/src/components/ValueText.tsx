/** A raw value pretty-printed when it is a JSON object or array, as it is otherwise. Text only. */
export function pretty(raw: string): string {
  const first = raw.trimStart()[0];
  if (first !== '{' && first !== '[') return raw;
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

export function ValueText({ raw }: { raw: string }) {
  return <pre className="value">{pretty(raw)}</pre>;
}
