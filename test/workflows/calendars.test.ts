import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  businessCalendarHolidays,
  businessCalendars,
  slaPauses,
  slaTracking,
  taskExecutions,
  workflows,
} from '../../db/schema/index.js';
import { getCalendar, putCalendar, signalCalendarChange } from '../../src/clients/calendars.js';
import { documentReceivedUpdate, statusQuery } from '../../workflows/business/messages.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

// Version 3 definitions count working hours in the client's calendar (here the platform
// default the migrations seed: Monday to Friday 09:00-17:00 America/New_York, US federal
// holidays). The time-skipping server starts at today's date, so each test first moves its
// clock to a Friday of a week with no holiday and no DST change, then checks the instants a
// service desk would give, as New York wall-clock times.

const HOUR = 3_600_000;
const MINUTE = 60_000;
const ZONE = 'America/New_York';

let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  // The first HOA step and the payoff statement's extraction never answer: their SLA ladders
  // run to the end. Everything else completes at once.
  ({ t, h } = await startHarness({
    timeSkipping: true,
    script: (ctx) =>
      ['research_hoa_contact', 'extract_payoff_data'].includes(ctx.dispatch.taskType)
        ? { status: 'SILENT' }
        : completeAll(ctx),
  }));
});
afterAll(() => stopHarness(t, h));

/** `Mon 12:48`: an instant as a New York desk reads it (Intl, not the code under test). */
function local(ms: number): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: ZONE,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
    .format(ms)
    .replace(',', '');
}

/** The UTC offset of New York at `ms`, in hours (-5 or -4). */
function offsetHours(ms: number): number {
  const wall = new Date(ms).toLocaleString('en-US', { timeZone: ZONE, hourCycle: 'h23' });
  return Math.round((Date.parse(`${wall} UTC`) - ms) / HOUR);
}

const defaultHolidays = async () =>
  new Set(
    (
      await t.db
        .select({ date: businessCalendarHolidays.date })
        .from(businessCalendarHolidays)
        .innerJoin(businessCalendars, eq(businessCalendars.id, businessCalendarHolidays.calendarId))
        .where(isNull(businessCalendars.clientId))
    ).map((r) => r.date),
  );

/**
 * Moves the test server's clock to the next Friday, `hour`:00 New York time, at least a day
 * ahead, whose Friday, Monday and Tuesday are working days and whose weekend has no DST change.
 */
async function moveToFriday(hour: number): Promise<number> {
  const now = await h.env!.currentTimeMs();
  const holidays = await defaultHolidays();
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  for (let d = new Date(now + 24 * HOUR); ; d = new Date(d.getTime() + 24 * HOUR)) {
    if (d.getUTCDay() !== 5) continue;
    const noonUtc = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 12);
    const friday = noonUtc + (hour - 12 - offsetHours(noonUtc)) * HOUR;
    const monday = friday + 72 * HOUR;
    if (offsetHours(friday) !== offsetHours(monday + 24 * HOUR)) continue;
    if ([friday, monday, monday + 24 * HOUR].some((ms) => holidays.has(day(ms)))) continue;
    expect(local(friday)).toBe(`Fri ${String(hour).padStart(2, '0')}:00`);
    await h.env!.sleep(friday - (await h.env!.currentTimeMs()));
    return friday;
  }
}

async function runningTask(rowId: string, taskType: string) {
  return eventually(`${taskType} to start`, async () => {
    const [task] = await t.db
      .select()
      .from(taskExecutions)
      .where(and(eq(taskExecutions.workflowId, rowId), eq(taskExecutions.taskType, taskType)));
    return task && task.status !== 'PENDING' ? task : undefined;
  });
}

async function clockOf(taskExecutionId: string) {
  const [sla] = await t.db
    .select()
    .from(slaTracking)
    .where(eq(slaTracking.taskExecutionId, taskExecutionId));
  return sla!;
}

const levels = (sla: Awaited<ReturnType<typeof clockOf>>) =>
  [sla.yellowAt, sla.orangeAt, sla.redAt, sla.breachedAt].map((d) =>
    d ? local(d.getTime()) : null,
  );

describe('a BUSINESS SLA clock (Mon-Fri 09:00-17:00 New York)', () => {
  it('started Friday 16:00 with 8 working hours: YELLOW, ORANGE, RED, BREACHED on Monday', async () => {
    const friday = await moveToFriday(16);
    const { rowId, handle } = await h.start('HOA_ACQUISITION', { version: 3 });
    const task = await runningTask(rowId, 'research_hoa_contact');
    const opened = await clockOf(task.id);
    expect(opened.counts).toBe('BUSINESS');
    expect(opened.slaSeconds).toBe(8 * 3600);
    expect(opened.startedAt.getTime() - friday).toBeLessThan(MINUTE);
    // One working hour on Friday, seven on Monday.
    expect(local(opened.dueAt.getTime())).toBe('Mon 16:00');

    await h.env!.sleep(friday + 72 * HOUR + 30 * MINUTE - (await h.env!.currentTimeMs()));
    const sla = await clockOf(task.id);
    expect(sla.alertLevel).toBe('BREACHED');
    expect(levels(sla)).toEqual(['Mon 12:48', 'Mon 14:24', 'Mon 15:36', 'Mon 16:00']);
    // Exactly: the weekend (Fri 17:00 to Mon 09:00) is 64 hours that do not count.
    const started = sla.startedAt.getTime();
    expect(
      [sla.yellowAt, sla.orangeAt, sla.redAt, sla.breachedAt].map((d) => d!.getTime() - started),
    ).toEqual([4.8, 6.4, 7.6, 8].map((x) => Math.round((64 + x) * HOUR)));
    // The row's due time is the plan: every step at its whole SLA, in working hours. 112
    // working hours are 14 working days at least, so 18 calendar days at least.
    const [row] = await t.db.select().from(workflows).where(eq(workflows.id, rowId));
    expect(row!.dueAt!.getTime() - friday).toBeGreaterThanOrEqual(18 * 24 * HOUR);
    recordHistory('hoa-business-clock-v3', 'time-skipping', h.address, handle.workflowId);
    await handle.cancel();
  });

  it('a holiday a manager adds mid-step (signalled) moves the due time at once, and the ladder to Tuesday', async () => {
    const friday = await moveToFriday(16);
    const { rowId, handle } = await h.start('HOA_ACQUISITION', { version: 3 });
    const task = await runningTask(rowId, 'research_hoa_contact');
    expect(local((await clockOf(task.id)).dueAt.getTime())).toBe('Mon 16:00');

    const monday = new Date(friday + 72 * HOUR).toISOString().slice(0, 10);
    const before = (await getCalendar(t.db, null))!;
    const { calendar, changed } = await putCalendar(t.db, null, {
      ...before,
      holidays: [...before.holidays, { date: monday, name: 'Office closed' }],
    });
    expect(changed).toBe(true);
    expect(calendar.version).toBe(before.version + 1);
    const told = await signalCalendarChange({ db: t.db, client: h.client }, calendar);
    expect(told.signalled).toBeGreaterThanOrEqual(1);
    await eventually('the due time to move to Tuesday', async () => {
      const sla = await clockOf(task.id);
      return local(sla.dueAt.getTime()) === 'Tue 16:00' ? sla : undefined;
    });

    await h.env!.sleep(friday + 96 * HOUR + 30 * MINUTE - (await h.env!.currentTimeMs()));
    const sla = await clockOf(task.id);
    expect(levels(sla)).toEqual(['Tue 12:48', 'Tue 14:24', 'Tue 15:36', 'Tue 16:00']);
    const moved = await t.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.resourceId, sla.id), eq(auditEvents.action, 'sla.calendar_changed')),
      );
    expect(moved).toHaveLength(1);
    expect(moved[0]!.eventData).toMatchObject({ version: calendar.version });
    await handle.cancel();
    await putCalendar(t.db, null, before);
  });

  it('a holiday added with no signal (it was lost) still moves the next threshold: the ladder reads the calendar when it is due', async () => {
    const friday = await moveToFriday(16);
    const { rowId, handle } = await h.start('HOA_ACQUISITION', { version: 3 });
    const task = await runningTask(rowId, 'research_hoa_contact');
    const monday = new Date(friday + 72 * HOUR).toISOString().slice(0, 10);
    const before = (await getCalendar(t.db, null))!;
    await putCalendar(t.db, null, {
      ...before,
      holidays: [...before.holidays, { date: monday, name: 'Office closed' }],
    });
    // Until Monday 12:48 the workflow cannot know; at its YELLOW timer it reads again.
    await h.env!.sleep(friday + 72 * HOUR + 4 * HOUR - (await h.env!.currentTimeMs()));
    let sla = await clockOf(task.id);
    expect(sla.yellowAt).toBeNull();
    expect(local(sla.dueAt.getTime())).toBe('Tue 16:00');
    await h.env!.sleep(friday + 96 * HOUR + 30 * MINUTE - (await h.env!.currentTimeMs()));
    sla = await clockOf(task.id);
    expect(levels(sla)).toEqual(['Tue 12:48', 'Tue 14:24', 'Tue 15:36', 'Tue 16:00']);
    await handle.cancel();
    await putCalendar(t.db, null, before);
  });
});

describe('a clock paused while the lender holds the ball (payoff statement wait)', () => {
  it('records the pause, advances no level across a weekend, and counts again from the statement', async () => {
    const friday = await moveToFriday(10);
    const { rowId, handle } = await h.start('PAYOFF', { version: 3 });
    const wait = await runningTask(rowId, 'extract_payoff_data');
    expect(wait.status).toBe('WAITING');
    const paused = await eventually('the clock to pause', async () => {
      const sla = await clockOf(wait.id);
      return sla.pausedAt ? sla : undefined;
    });
    expect(paused.pausedAt!.getTime() - friday).toBeLessThan(MINUTE);

    // Monday 11:00: three follow-ups went out (Sat, Sun, Mon 10:00); no level, still paused.
    await h.env!.sleep(friday + 73 * HOUR - (await h.env!.currentTimeMs()));
    let sla = await clockOf(wait.id);
    expect(sla.alertLevel).toBe('GREEN');
    expect(sla.yellowAt).toBeNull();
    const [pause] = await t.db.select().from(slaPauses).where(eq(slaPauses.slaId, sla.id));
    expect(pause).toMatchObject({ reason: 'INBOUND_WAIT', resumedAt: null });

    await handle.executeUpdate(documentReceivedUpdate, {
      args: [
        {
          documentId: randomUUID(),
          kind: 'PAYOFF_STATEMENT',
          filename: 'payoff-statement.pdf',
          storageUrl: 's3://docs/payoff-statement.pdf',
          mimeType: 'application/pdf',
          source: 'LENDER',
        },
      ],
    });
    sla = await eventually('the clock to resume', async () => {
      const s = await clockOf(wait.id);
      return s.pausedAt === null ? s : undefined;
    });
    // 8 working hours from Monday 11:00 (nothing counted while paused): Tuesday 11:00.
    expect(local(sla.dueAt.getTime())).toBe('Tue 11:00');
    const [ended] = await t.db.select().from(slaPauses).where(eq(slaPauses.slaId, sla.id));
    expect(local(ended!.resumedAt!.getTime())).toBe('Mon 11:00');

    await h.env!.sleep(friday + 97 * HOUR + 30 * MINUTE - (await h.env!.currentTimeMs()));
    sla = await clockOf(wait.id);
    expect(levels(sla)).toEqual(['Mon 15:48', 'Tue 09:24', 'Tue 10:36', 'Tue 11:00']);
    const events = await t.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, sla.id))
      .orderBy(asc(auditEvents.createdAt));
    expect(events.map((e) => e.action)).toEqual([
      'sla.paused',
      'sla.resumed',
      'sla.level_reached',
      'sla.level_reached',
      'sla.level_reached',
      'sla.level_reached',
    ]);
    recordHistory('payoff-paused-wait-v3', 'time-skipping', h.address, handle.workflowId);
    await handle.cancel();
  });

  it('escalates a lender that never answers (INBOUND_TIMEOUT) one interval after the last follow-up', async () => {
    const friday = await moveToFriday(10);
    const { rowId, handle } = await h.start('PAYOFF', { version: 3 });
    const wait = await runningTask(rowId, 'extract_payoff_data');
    // Follow-ups every 24 h, three at most: Sat, Sun, Mon 10:00; the escalation Tue 10:00.
    await h.env!.sleep(friday + 96 * HOUR + 5 * MINUTE - (await h.env!.currentTimeMs()));
    const status = await handle.query(statusQuery);
    expect(status.openEscalation?.trigger).toBe('INBOUND_TIMEOUT');
    expect(status.openEscalation?.taskExecutionId).toBe(wait.id);
    const sla = await clockOf(wait.id);
    expect(sla.yellowAt).toBeNull();
    expect(sla.pausedAt).not.toBeNull();
    await handle.cancel();
  });
});
