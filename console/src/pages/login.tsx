import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSettings } from '../session';
import { api, token, unwrap } from '../api/client';
import type { DemoUser } from '../api/types';
import { navigate } from '../router';

/**
 * Signing in. With the dev login (npm start on the embedded defaults) the demo users are
 * listed and one click signs in; otherwise a Supabase session token is pasted.
 */
export function LoginPage() {
  const settings = useSettings();
  const queryClient = useQueryClient();
  const signedIn = (t: string) => {
    token.set(t);
    void queryClient.invalidateQueries();
    navigate('/');
  };
  return (
    <main id="main" className="login">
      <h1>Rexera HIL console</h1>
      {settings.data?.devLogin ? <DemoLogin onToken={signedIn} /> : null}
      <TokenLogin onToken={signedIn} />
    </main>
  );
}

function DemoLogin({ onToken }: { onToken: (t: string) => void }) {
  const users = useQuery({
    queryKey: ['dev-users'],
    queryFn: () => unwrap<{ items: DemoUser[] }>(api.GET('/api/dev/users')),
  });
  const login = useMutation({
    mutationFn: (userId: string) =>
      unwrap<{ token: string }>(api.POST('/api/dev/login', { body: { userId } })),
    onSuccess: (r) => onToken(r.token),
  });
  return (
    <section aria-labelledby="demo-title" className="card">
      <h2 id="demo-title">Sign in as a demo user</h2>
      <p className="muted">Local stack only: these people exist in the embedded database.</p>
      {users.error ? (
        <p role="alert" className="error">
          {users.error.message}
        </p>
      ) : null}
      <ul className="users">
        {(users.data?.items ?? []).map((u) => (
          <li key={u.id}>
            <button type="button" onClick={() => login.mutate(u.id)} disabled={login.isPending}>
              {u.name}
            </button>
            <span className="muted"> {u.email}</span>
          </li>
        ))}
      </ul>
      {login.error ? (
        <p role="alert" className="error">
          {login.error.message}
        </p>
      ) : null}
    </section>
  );
}

function TokenLogin({ onToken }: { onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <form onSubmit={submit} className="card">
      <h2>Sign in with a session token</h2>
      <label htmlFor="token">Supabase session token (JWT)</label>
      <textarea id="token" rows={3} value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit">Sign in</button>
    </form>
  );
}
