import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { BusinessCalendar } from '../../workflows/calendar/index.js';
import type { ReachedSlaLevel, SlaPauseReason } from '../../workflows/vocabulary.js';
import {
  businessCalendarHolidays,
  businessCalendars,
  slaPauses,
  slaTracking,
  workflows,
} from '../../db/schema/index.js';
import {
  date,
  slaValues,
  type SlaRowInput,
  notify,
  withAudit,
  type AuditInput,
  type DatabaseObservers,
  type NotificationInput,
} from './shared.js';

/** What recordSlaLevel writes. */
export interface RecordSlaLevelInput {
  slaId: string;
  workflowRowId: string;
  level: ReachedSlaLevel;
  reachedAt: number;
  notification?: NotificationInput;
  audit: AuditInput;
  /**
   * The clock itself, inserted if its row is not there yet: the write that opens it
   * (startAttempt) may be carried by a dispatch still waiting to run.
   */
  clock?: SlaRowInput & { taskExecutionId: string };
}

/** A client's business calendar, as a workflow counts in it. */
export interface CalendarRecord extends BusinessCalendar {
  id: string;
  name: string;
  version: number;
}

/** What pauseSlaClock writes. */
export interface PauseSlaClockInput {
  pauseId: string;
  slaId: string;
  workflowRowId: string;
  reason: SlaPauseReason;
  note?: string;
  pausedBy?: string;
  at: number;
  /** Counted time at the pause. */
  countedMs: number;
  audit: AuditInput;
}

/** What resumeSlaClock writes. */
export interface ResumeSlaClockInput {
  pauseId: string;
  slaId: string;
  workflowRowId: string;
  at: number;
  /** The clock's new due instant, and the workflow's. */
  dueAt: number;
  workflowDueAt: number;
  audit: AuditInput;
}

/** What moveSlaDue writes (the calendar changed). */
export interface MoveSlaDueInput {
  slaId: string;
  workflowRowId: string;
  dueAt: number;
  workflowDueAt: number;
  calendarId: string;
  audit: AuditInput;
}

/** The client's own calendar, or else the platform default (client_id NULL). */
export async function effectiveCalendar(db: Database, clientId: string): Promise<CalendarRecord> {
  const [row] = await db
    .select()
    .from(businessCalendars)
    .where(or(eq(businessCalendars.clientId, clientId), isNull(businessCalendars.clientId)))
    .orderBy(sql`${businessCalendars.clientId} IS NULL`)
    .limit(1);
  if (!row) {
    throw new Error(
      'No business calendar: the platform default (business_calendars.client_id NULL) is missing. Run the migrations, or PUT /api/calendars/default.',
    );
  }
  const holidays = await db
    .select({ date: businessCalendarHolidays.date })
    .from(businessCalendarHolidays)
    .where(eq(businessCalendarHolidays.calendarId, row.id))
    .orderBy(asc(businessCalendarHolidays.date));
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    timeZone: row.timeZone,
    week: row.week,
    holidays: holidays.map((h) => h.date),
  };
}

/** SLA clocks: each level recorded the first time it is reached. */
export function slaWrites(db: Database, observers: DatabaseObservers = {}) {
  return {
    /** Records an SLA level the first time it is reached; ORANGE and BREACHED also notify. */
    async recordSlaLevel(input: RecordSlaLevelInput): Promise<void> {
      const column = {
        YELLOW: slaTracking.yellowAt,
        ORANGE: slaTracking.orangeAt,
        RED: slaTracking.redAt,
        BREACHED: slaTracking.breachedAt,
      }[input.level];
      const key = { YELLOW: 'yellowAt', ORANGE: 'orangeAt', RED: 'redAt', BREACHED: 'breachedAt' }[
        input.level
      ];
      // The threshold time (workflow time, the same on a retry) and the time it was really
      // written (the database's clock): their difference is the alert's lateness.
      const recorded = `${key.replace(/At$/, '')}RecordedAt`;
      const written = await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        if (input.clock) {
          await tx
            .insert(slaTracking)
            .values(
              slaValues(input.slaId, input.clock.taskExecutionId, input.workflowRowId, input.clock),
            )
            .onConflictDoNothing();
        }
        const rows = await tx
          .update(slaTracking)
          .set({
            alertLevel: input.level,
            [key]: date(input.reachedAt),
            [recorded]: sql`clock_timestamp()`,
          })
          .where(and(eq(slaTracking.id, input.slaId), sql`${column} IS NULL`))
          .returning({ latenessMs: sql<number>`extract(epoch FROM clock_timestamp()) * 1000` });
        if (input.notification) await notify(tx, input.notification);
        return rows[0];
      });
      // Observed once, by the write that recorded the level (not by a retry).
      if (written) {
        observers.slaAlertLateness?.(input.level, Number(written.latenessMs) - input.reachedAt);
      }
    },

    /** The client's calendar (its own or the default): a read, for the workflow's clocks. */
    async readCalendar(input: { clientId: string }): Promise<CalendarRecord> {
      return effectiveCalendar(db, input.clientId);
    },

    /** Stops a clock: one sla_pauses row (a repeat finds it), paused_at and counted time set. */
    async pauseSlaClock(input: PauseSlaClockInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        const [inserted] = await tx
          .insert(slaPauses)
          .values({
            id: input.pauseId,
            slaId: input.slaId,
            workflowId: input.workflowRowId,
            reason: input.reason,
            note: input.note,
            pausedBy: input.pausedBy,
            pausedAt: date(input.at),
          })
          .onConflictDoNothing()
          .returning({ id: slaPauses.id });
        if (!inserted) return;
        await tx
          .update(slaTracking)
          .set({ pausedAt: date(input.at), countedMs: input.countedMs, countingSince: null })
          .where(and(eq(slaTracking.id, input.slaId), eq(slaTracking.status, 'ACTIVE')));
      });
    },

    /** Restarts a clock: its pause ends, and its due instant (and the workflow's) moves. */
    async resumeSlaClock(input: ResumeSlaClockInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        const ended = await tx
          .update(slaPauses)
          .set({ resumedAt: date(input.at) })
          .where(and(eq(slaPauses.id, input.pauseId), isNull(slaPauses.resumedAt)))
          .returning({ id: slaPauses.id });
        if (ended.length === 0) return;
        await tx
          .update(slaTracking)
          .set({ pausedAt: null, countingSince: date(input.at), dueAt: date(input.dueAt) })
          .where(and(eq(slaTracking.id, input.slaId), eq(slaTracking.status, 'ACTIVE')));
        await tx
          .update(workflows)
          .set({ dueAt: date(input.workflowDueAt) })
          .where(eq(workflows.id, input.workflowRowId));
      });
    },

    /** The calendar changed: the clock's due instant (and the workflow's) moves. */
    async moveSlaDue(input: MoveSlaDueInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        await tx
          .update(slaTracking)
          .set({ dueAt: date(input.dueAt), calendarId: input.calendarId })
          .where(and(eq(slaTracking.id, input.slaId), eq(slaTracking.status, 'ACTIVE')));
        await tx
          .update(workflows)
          .set({ dueAt: date(input.workflowDueAt) })
          .where(eq(workflows.id, input.workflowRowId));
      });
    },
  };
}
