import { createContext, useContext } from 'react';
import { Session } from '../../../src/api/contract.ts';
import { call, setCsrfToken } from './api.ts';

/** GET /api/session: who is logged in, whether etcd checks it, where the values live. */
export async function loadSession(): Promise<Session> {
  const session = await call(Session, '/session');
  setCsrfToken(session.csrfToken);
  return session;
}

let early: Promise<Session> | undefined;

/**
 * Ask for the session as the script starts, before React first renders, and hand the answer to
 * `then` as it arrives (a view starts its reads there). The App takes this answer first.
 */
export function loadSessionEarly(then: (session: Session) => void): void {
  early = loadSession();
  early.then(then, () => undefined);
}

/** The session asked for early, the first time; a fresh answer after that. */
export function nextSession(): Promise<Session> {
  const answer = early ?? loadSession();
  early = undefined;
  return answer;
}

export interface SessionState {
  readonly session: Session;
  /** Ask the server again (after a login or logout). */
  readonly reload: () => Promise<void>;
}

export const SessionContext = createContext<SessionState | undefined>(undefined);

/** The session of the page; every view below the App has one. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside the App');
  return state;
}

/** Whether the edit controls show: the console can write and the user's roles may. */
export function useWritable(): boolean {
  return useSession().session.writable;
}

/** Whether keys start with `/` (etcd) or not (the demo's files, a root of `''`). */
export function useRooted(): boolean {
  return !useSession().session.configRoots.includes('');
}
