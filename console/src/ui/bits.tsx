import type { ReactNode } from 'react';
import { TYPE_LABELS, WORKFLOW_TYPES, type SlaLevel } from '../api/types';

export function SlaBadge({ level }: { level: SlaLevel | null | undefined }) {
  const l = level ?? 'GREEN';
  return <span className={`badge sla-${l.toLowerCase()}`}>{l}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status.replace('_', ' ')}</span>;
}

/** Loading, error and empty states in words; the content otherwise. */
export function Loaded<T>(props: {
  query: { isPending: boolean; error: Error | null; data: T | undefined };
  what: string;
  empty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ReactNode;
}) {
  const { query, what } = props;
  if (query.isPending)
    return (
      <p className="state" role="status">
        Loading {what}…
      </p>
    );
  if (query.error)
    return (
      <p className="state error" role="alert">
        Could not load {what}: {query.error.message}
      </p>
    );
  const data = query.data as T;
  if (props.empty?.(data)) return <p className="state">{props.emptyText ?? `No ${what}.`}</p>;
  return <>{props.children(data)}</>;
}

export function LiveDot({ state }: { state: string }) {
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite">
      {state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
    </span>
  );
}

/** The workflow type filter of the queue and the list. */
export function TypeSelect(props: { value: string | undefined; onChange: (v: string) => void }) {
  return (
    <label>
      Type
      <select value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">Any type</option>
        {WORKFLOW_TYPES.map((t) => (
          <option key={t} value={t}>
            {TYPE_LABELS[t]}
          </option>
        ))}
      </select>
    </label>
  );
}
