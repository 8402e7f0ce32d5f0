import { useEffect, useState } from 'react';

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 2 hours". */
export function fromNow(at: number, now: number): string {
  const diff = at - now;
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms || unit === 'second')
      return relative.format(Math.round(diff / ms), unit);
  }
  return '';
}

/** The time now, ticking every `everyMs` (countdowns). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** A relative time, with the exact time on hover. */
export function When({ at, now }: { at: string | null | undefined; now?: number }) {
  const ticking = useNow(15_000);
  if (!at) return <span className="muted">—</span>;
  const ms = Date.parse(at);
  return (
    <time dateTime={at} title={new Date(ms).toLocaleString()}>
      {fromNow(ms, now ?? ticking)}
    </time>
  );
}

/** Time left until `at` as h:mm:ss (or "overdue by ..."), ticking every second. */
export function Countdown({ at }: { at: string | null | undefined }) {
  const now = useNow();
  if (!at) return <span className="muted">—</span>;
  const ms = Date.parse(at) - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1_000);
  const text = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return (
    <time dateTime={at} title={new Date(Date.parse(at)).toLocaleString()} className="countdown">
      {ms >= 0 ? text : `overdue ${text}`}
    </time>
  );
}
