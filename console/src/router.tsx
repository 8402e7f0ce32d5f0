import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

// A small history router: the console's pages are paths under /console/, so every view has a
// deep link (the API serves the app for any of them).

export const BASE = '/console';

function current(): string {
  const p = window.location.pathname;
  return p.startsWith(BASE) ? p.slice(BASE.length) || '/' : '/';
}

export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to}`;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * Replaces one query parameter of `path` (an empty value removes it; `reset` names others to
 * drop with it, such as the page offset), keeping the rest: filters live in the URL.
 */
export function setParam(
  path: string,
  search: URLSearchParams,
  name: string,
  value: string,
  reset: string[] = [],
): void {
  const next = new URLSearchParams(search);
  if (value) next.set(name, value);
  else next.delete(name);
  for (const other of reset) if (other !== name) next.delete(other);
  const qs = next.toString();
  navigate(`${path}${qs ? `?${qs}` : ''}`, true);
}

/** The current path under /console ("/escalations") and its query string. */
export function useRoute(): { path: string; search: URLSearchParams } {
  const [path, setPath] = useState(current);
  const [search, setSearch] = useState(() => new URLSearchParams(window.location.search));
  useEffect(() => {
    const on = () => {
      setPath(current());
      setSearch(new URLSearchParams(window.location.search));
    };
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return { path, search };
}

export function Link(props: {
  to: string;
  children: ReactNode;
  className?: string;
  'aria-current'?: 'page';
}) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a
      href={`${BASE}${props.to}`}
      onClick={onClick}
      className={props.className}
      aria-current={props['aria-current']}
    >
      {props.children}
    </a>
  );
}
