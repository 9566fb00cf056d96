import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Load again (a change arrived, or after a write). */
  readonly reload: () => void;
}

/**
 * Load `fetcher()` when `deps` change, and again on `reload()`. An answer that arrives after a newer
 * request started is dropped, so the page never shows an older state over a newer one. `initial`
 * may give the first data at once (read before the component mounted): then nothing is fetched on mount.
 */
export function useLoad<T>(fetcher: () => Promise<T>, deps: readonly unknown[], initial?: () => T | undefined): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>(() => {
    const data = initial?.();
    return { data, error: undefined, loading: data === undefined };
  });
  const given = useRef(state.data !== undefined);
  const latest = useRef(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const reload = useCallback(() => {
    const id = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    fetcherRef.current().then(
      (data) => {
        if (id === latest.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (id === latest.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, []);
  const start = () => {
    if (given.current) {
      given.current = false;
      return;
    }
    setState({ data: undefined, error: undefined, loading: true });
    reload();
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what its fetch depends on
  useEffect(start, deps);
  return { ...state, reload };
}
