import { useEffect, useRef, useState } from 'react';
import { ChangeEvent } from '../../../src/api/contract.ts';
import { base, query } from '../app/api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Live updates by Server-Sent Events (`GET /api/events?prefix=`, `&flags=1` for the flags source):
 * one watch on the server per view, as the user's etcd user. `onChange` runs for every revision
 * under the prefix, and with no event whenever the watch (re)starts, with the revision it starts
 * from: what the page read before that revision may have missed a change. The browser reconnects
 * by itself.
 */
export function useLive(
  prefixes: readonly string[] | undefined,
  onChange: (event: ChangeEvent | undefined, watchFrom?: number) => void,
  flags = false,
) {
  const [state, setState] = useState<LiveState>('connecting');
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = prefixes ? JSON.stringify(prefixes) : undefined;
  useEffect(() => {
    if (key === undefined) return;
    const sources = (JSON.parse(key) as string[]).map((prefix) => {
      const events = new EventSource(`${base}api/events${query({ prefix, flags: flags ? '1' : undefined })}`);
      events.addEventListener('reset', (message) => {
        setState('live');
        // The watch read everything at this revision and sends each change after it.
        const revision = Number((JSON.parse((message as MessageEvent<string>).data) as { revision?: unknown }).revision);
        callback.current(undefined, Number.isFinite(revision) ? revision : undefined);
      });
      events.addEventListener('change', (message) => {
        const parsed = ChangeEvent.safeParse(JSON.parse((message as MessageEvent<string>).data));
        if (parsed.success) callback.current(parsed.data);
      });
      events.addEventListener('error', () => setState('reconnecting'));
      return events;
    });
    return () => {
      for (const events of sources) events.close();
      setState('connecting');
    };
  }, [key, flags]);
  return state;
}
