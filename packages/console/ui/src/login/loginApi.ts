import { z } from 'zod';
import { type LoginRequest, Session } from '../../../src/api/contract.ts';
import { call, setCsrfToken } from '../app/api.ts';

/** POST /api/login: etcd checks the user name and password; the answer is the new session. */
export async function login(request: LoginRequest): Promise<Session> {
  const session = await call(Session, '/login', { method: 'POST', body: request });
  setCsrfToken(session.csrfToken);
  return session;
}

/** POST /api/logout: the session and its etcd connection end. */
export async function logout(): Promise<void> {
  await call(z.object({ ok: z.boolean() }), '/logout', { method: 'POST', body: {} });
}
