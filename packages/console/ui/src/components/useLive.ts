import { useEffect, useRef, useState } from 'react';
import { ChangeEvent } from '../../../src/api/contract.ts';
import { base, query } from '../app/api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Live updates by Server-Sent Events (`GET /api/events?prefix=`, `&flags=1` for the flags source):
 * one watch on the server per view, as the user's etcd user. `onChange` runs for every revision
 * under the prefix, and with no event whenever the watch (re)starts: a change may have come between
 * the page's load and the watch's start, or while it was away. The browser reconnects by itself.
 */
export function useLive(prefixes: readonly string[] | undefined, onChange: (event: ChangeEvent | undefined) => void, flags = false) {
  const [state, setState] = useState<LiveState>('connecting');
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = prefixes ? JSON.stringify(prefixes) : undefined;
  useEffect(() => {
    if (key === undefined) return;
    const sources = (JSON.parse(key) as string[]).map((prefix) => {
      const events = new EventSource(`${base}api/events${query({ prefix, flags: flags ? '1' : undefined })}`);
      events.addEventListener('reset', () => {
        setState('live');
        callback.current(undefined);
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
