import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, asc, eq, inArray, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { businessCalendarHolidays, businessCalendars, workflows } from '../../db/schema/index.js';
import type { BusinessCalendar } from '../../workflows/calendar/index.js';
import { calendarChangedSignal } from '../../workflows/business/messages.js';
import { TERMINAL_WORKFLOW_STATUSES } from '../../workflows/vocabulary.js';

// Business calendars as the API and the tests change them: read, replace as a whole (a new
// version when anything changed), and tell the running workflows that count in one.

export interface Holiday {
  date: string;
  name: string;
}

/** What a manager sets: everything about a calendar at once. */
export interface CalendarInput {
  name: string;
  timeZone: string;
  week: BusinessCalendar['week'];
  holidays: Holiday[];
}

export interface CalendarView extends CalendarInput {
  id: string;
  /** null: the platform default. */
  clientId: string | null;
  version: number;
  updatedAt: string;
}

/** The stored calendar changed since the caller read it (If-Match / version). */
export class CalendarVersionConflict extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`The calendar is at version ${actual}, not ${expected}: read it again and retry.`);
  }
}

type Row = typeof businessCalendars.$inferSelect;

async function holidaysOf(db: Database, ids: string[]): Promise<Map<string, Holiday[]>> {
  const byCalendar = new Map<string, Holiday[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byCalendar;
  const rows = await db
    .select()
    .from(businessCalendarHolidays)
    .where(inArray(businessCalendarHolidays.calendarId, ids))
    .orderBy(asc(businessCalendarHolidays.date));
  for (const h of rows) byCalendar.get(h.calendarId)!.push({ date: h.date, name: h.name });
  return byCalendar;
}

function view(row: Row, holidays: Holiday[]): CalendarView {
  return {
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    timeZone: row.timeZone,
    week: row.week,
    holidays,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Every calendar `db` may read (row-level security decides), the default first. */
export async function listCalendars(db: Database): Promise<CalendarView[]> {
  const rows = await db
    .select()
    .from(businessCalendars)
    .orderBy(sql`${businessCalendars.clientId} IS NOT NULL`, asc(businessCalendars.name));
  const holidays = await holidaysOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => view(r, holidays.get(r.id)!));
}

/** The calendar row of a client (clientId), or the default's (null). */
const ofClient = (clientId: string | null) =>
  clientId === null ? isNull(businessCalendars.clientId) : eq(businessCalendars.clientId, clientId);

/** A client's own calendar (clientId) or the default (null), if there is one. */
export async function getCalendar(
  db: Database,
  clientId: string | null,
): Promise<CalendarView | undefined> {
  const [row] = await db.select().from(businessCalendars).where(ofClient(clientId));
  if (!row) return undefined;
  return view(row, (await holidaysOf(db, [row.id])).get(row.id)!);
}

/** The same calendar, whatever the order its windows and holidays were given in. */
function sameContent(a: CalendarInput, b: CalendarInput): boolean {
  const canonical = (c: CalendarInput) =>
    JSON.stringify([
      c.name,
      c.timeZone,
      Object.entries(c.week)
        .map(([day, windows]) => [day, (windows ?? []).map((w) => `${w.start}-${w.end}`).sort()])
        .filter(([, windows]) => windows!.length > 0)
        .sort(([x], [y]) => String(x).localeCompare(String(y))),
      c.holidays.map((h) => `${h.date} ${h.name}`).sort(),
    ]);
  return canonical(a) === canonical(b);
}

/**
 * Sets a calendar as a whole (inside the caller's transaction): created at version 1, or a
 * new version when anything differs; the same content again changes nothing (changed: false).
 * With expectedVersion, a calendar changed meanwhile is refused (CalendarVersionConflict).
 */
export async function putCalendar(
  db: Database,
  clientId: string | null,
  input: CalendarInput,
  opts: { expectedVersion?: number; userId?: string } = {},
): Promise<{ calendar: CalendarView; changed: boolean }> {
  const [row] = await db.select().from(businessCalendars).where(ofClient(clientId)).for('update');
  if (row) {
    const before = view(row, (await holidaysOf(db, [row.id])).get(row.id)!);
    if (sameContent(before, input)) return { calendar: before, changed: false };
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== row.version) {
      throw new CalendarVersionConflict(opts.expectedVersion, row.version);
    }
  } else if (opts.expectedVersion !== undefined && opts.expectedVersion !== 0) {
    throw new CalendarVersionConflict(opts.expectedVersion, 0);
  }
  const values = {
    name: input.name,
    timeZone: input.timeZone,
    week: input.week,
    updatedBy: opts.userId,
  };
  const [saved] = row
    ? await db
        .update(businessCalendars)
        .set({ ...values, version: sql`${businessCalendars.version} + 1` })
        .where(eq(businessCalendars.id, row.id))
        .returning()
    : await db
        .insert(businessCalendars)
        .values({ ...values, clientId })
        .returning();
  await db
    .delete(businessCalendarHolidays)
    .where(eq(businessCalendarHolidays.calendarId, saved!.id));
  if (input.holidays.length > 0) {
    await db
      .insert(businessCalendarHolidays)
      .values(input.holidays.map((h) => ({ calendarId: saved!.id, date: h.date, name: h.name })));
  }
  return { calendar: (await getCalendar(db, clientId))!, changed: true };
}

/**
 * Signals every running workflow that counts in the calendar (its client's, or for the default,
 * every client's without its own) to read it again. At most once per workflow: a lost signal
 * is made up for by the workflow itself, which reads the calendar again before it records a
 * level. Returns how many were told, and how many had ended meanwhile.
 */
export async function signalCalendarChange(
  deps: { db: Database; client: Client },
  calendar: Pick<CalendarView, 'id' | 'clientId' | 'version'>,
): Promise<{ signalled: number; ended: number }> {
  const ownCalendars = deps.db
    .select({ clientId: businessCalendars.clientId })
    .from(businessCalendars)
    .where(isNotNull(businessCalendars.clientId));
  const running = await deps.db
    .select({ temporalWorkflowId: workflows.temporalWorkflowId })
    .from(workflows)
    .where(
      and(
        notInArray(workflows.status, [...TERMINAL_WORKFLOW_STATUSES]),
        isNotNull(workflows.temporalWorkflowId),
        calendar.clientId === null
          ? notInArray(workflows.clientId, ownCalendars)
          : eq(workflows.clientId, calendar.clientId),
      ),
    );
  let signalled = 0;
  let ended = 0;
  const payload = { calendarId: calendar.id, version: calendar.version };
  // A few at a time: a default calendar can apply to thousands of workflows.
  for (let i = 0; i < running.length; i += 20) {
    await Promise.all(
      running.slice(i, i + 20).map(async ({ temporalWorkflowId }) => {
        try {
          await deps.client.workflow
            .getHandle(temporalWorkflowId!)
            .signal(calendarChangedSignal, payload);
          signalled++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          ended++;
        }
      }),
    );
  }
  return { signalled, ended };
}
