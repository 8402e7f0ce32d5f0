import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { token } from './api/client';
import type { Me } from './api/types';
import { isInternal, useMe } from './session';
import { EscalationsPage } from './pages/escalations';
import { LoginPage } from './pages/login';
import { SlaBoardPage } from './pages/sla-board';
import { WorkflowPage } from './pages/workflow';
import { WorkflowsPage } from './pages/workflows';
import { Link, navigate, useRoute } from './router';

export function App() {
  const { path } = useRoute();
  const me = useMe();
  const signedIn = token.get() !== null && !me.error;

  useEffect(() => {
    if (!signedIn && path !== '/login') navigate('/login', true);
  }, [signedIn, path]);

  if (!signedIn || path === '/login') return <LoginPage />;
  if (me.isPending)
    return (
      <p className="state" role="status">
        Signing in…
      </p>
    );
  return <Shell me={me.data} path={path} />;
}

function Shell({ me, path }: { me: Me; path: string }) {
  const queryClient = useQueryClient();
  const internal = isInternal(me);
  const signOut = () => {
    token.clear();
    queryClient.clear();
    navigate('/login');
  };
  const nav: [string, string][] = internal
    ? [
        ['/escalations', 'Escalations'],
        ['/sla', 'SLA board'],
        ['/workflows', 'Workflows'],
      ]
    : [
        ['/workflows', 'Workflows'],
        ['/sla', 'SLA board'],
      ];
  let page;
  const workflowId = /^\/workflows\/([0-9a-f-]{36})$/.exec(path)?.[1];
  if (workflowId) page = <WorkflowPage id={workflowId} me={me} />;
  else if (path === '/escalations' && internal) page = <EscalationsPage me={me} />;
  else if (path === '/sla') page = <SlaBoardPage />;
  else if (path === '/workflows') page = <WorkflowsPage />;
  else if (path === '/escalations')
    page = (
      <p className="state" role="alert">
        The escalation queue is for HIL staff and managers.
      </p>
    );
  else {
    navigate(internal ? '/escalations' : '/workflows', true);
    page = null;
  }
  return (
    <div className="shell">
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <span className="brand">Rexera HIL console</span>
        <nav aria-label="Main">
          {nav.map(([to, label]) => (
            <Link key={to} to={to} aria-current={path.startsWith(to) ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="who">
          {me.fullName ?? me.email} · {me.role.replace('_', ' ').toLowerCase()}
          {me.clientName ? ` · ${me.clientName}` : ''}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">{page}</main>
    </div>
  );
}
