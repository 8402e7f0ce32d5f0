import {
  ALWAYS_OPEN,
  countedAt,
  thresholdInstant,
  type BusinessCalendar,
  type CountedClock,
} from '../../workflows/calendar/index.js';
import {
  REACHED_SLA_LEVELS,
  SLA_THRESHOLDS,
  type ReachedSlaLevel,
  type SlaCounts,
  type SlaLevel,
  type SlaPauseReason,
} from '../../workflows/vocabulary.js';

// A running SLA clock as people read it: what it has counted, what is left, the next level
// and when it comes, and whether it is stopped and why. Computed from the sla_tracking row
// with the same arithmetic the workflow sleeps by.

export interface ClockRow {
  alertLevel: SlaLevel;
  slaSeconds: number;
  startedAt: Date;
  dueAt: Date;
  counts: SlaCounts;
  countedMs: number;
  countingSince: Date | null;
  pausedAt: Date | null;
}

export interface ClockView {
  counts: SlaCounts;
  /** Working (or wall-clock) time used so far. */
  countedMs: number;
  /** Of the SLA, what is left to count (0 once breached). */
  remainingMs: number;
  /** The next level and its instant; null when breached, or while paused. */
  next: { level: ReachedSlaLevel; at: string } | null;
  paused: { reason: SlaPauseReason | null; since: string; note: string | null } | null;
}

export function clockView(
  row: ClockRow,
  calendar: BusinessCalendar | undefined,
  pause: { reason: SlaPauseReason; note: string | null } | undefined,
  now: number,
): ClockView {
  const cal = row.counts === 'BUSINESS' && calendar ? calendar : ALWAYS_OPEN;
  const clock: CountedClock = {
    slaMs: row.slaSeconds * 1000,
    countedMs: Number(row.countedMs),
    ...(row.pausedAt
      ? { pausedAt: row.pausedAt.getTime() }
      : { since: (row.countingSince ?? row.startedAt).getTime() }),
  };
  const counted = countedAt(cal, clock, now);
  const reached = row.alertLevel === 'GREEN' ? -1 : REACHED_SLA_LEVELS.indexOf(row.alertLevel);
  const nextLevel = REACHED_SLA_LEVELS[reached + 1];
  const at = nextLevel && thresholdInstant(cal, clock, SLA_THRESHOLDS[nextLevel]);
  return {
    counts: row.counts,
    countedMs: counted,
    remainingMs: Math.max(0, clock.slaMs - counted),
    next:
      nextLevel && at !== undefined ? { level: nextLevel, at: new Date(at).toISOString() } : null,
    paused: row.pausedAt
      ? {
          reason: pause?.reason ?? null,
          since: row.pausedAt.toISOString(),
          note: pause?.note ?? null,
        }
      : null,
  };
}
