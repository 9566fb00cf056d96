/**
 * The first key that appears twice in one object of a JSON text (`a/b` for `{"a": {"b": 1, "b": 2}}`),
 * or undefined. `JSON.parse` keeps the last silently; a config file with two values for a key is a
 * mistake to name, not to guess. The text must already be valid JSON.
 */
export function duplicateJsonKey(text: string): string | undefined {
  // One frame per open object or array: its keys so far (objects), and the key it sits under.
  const stack: { keys: Set<string> | undefined; name: string; pending: string | undefined }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      // A string is a key when the next non-space character is a colon.
      let j = end;
      while (j < text.length && /\s/.test(text[j] as string)) j++;
      if (top?.keys && text[j] === ':') {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return [...stack.slice(1).map((f) => f.name), key].filter((n) => n !== '').join('/');
        top.keys.add(key);
        top.pending = key;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      const name = parent === undefined ? '' : parent.keys ? (parent.pending ?? '') : '[]';
      stack.push({ keys: c === '{' ? new Set() : undefined, name, pending: undefined });
    } else if (c === '}' || c === ']') stack.pop();
    i++;
  }
  return undefined;
}

/** The index just past the JSON string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}
