import { type FormEvent, useState } from 'react';
import { useSession } from '../app/session.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { login } from './loginApi.ts';

/** Log in with an etcd user: etcd checks the password, and its roles decide what the console shows and may change. */
export function Login() {
  const { reload } = useSession();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await login({ user, password });
      setPassword('');
      await reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="login">
      <h1>Log in to Dials</h1>
      <p className="muted">With your etcd user: etcd checks the password, and your roles decide what you may read and change.</p>
      <form onSubmit={submit}>
        <label>
          User name
          <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || user === ''}>
          Log in
        </button>
      </form>
      <ErrorNotice error={error} label="Login failed" />
    </section>
  );
}
