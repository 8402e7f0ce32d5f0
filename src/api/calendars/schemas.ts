import { z } from 'zod';
import { assertValidCalendar } from '../../../workflows/calendar/index.js';

// A business calendar as a manager sets it: everything at once (PUT), checked here before
// anything reaches the database or a workflow.

const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'] as const;

const localTime = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "a local time 'HH:MM', 00:00 to 24:00");

const workingWindow = z
  .strictObject({ start: localTime, end: localTime })
  .refine((w) => w.end > w.start, { message: 'end must be after start', path: ['end'] });

const localDate = z.iso.date();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const calendarBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    timeZone: z
      .string()
      .min(1)
      .refine(isTimeZone, 'not a time zone (an IANA name, e.g. America/New_York)'),
    /** Working windows by ISO weekday, '1' (Monday) to '7' (Sunday); absent: closed. */
    week: z.partialRecord(z.enum(WEEKDAYS), z.array(workingWindow).max(8)),
    holidays: z
      .array(z.strictObject({ date: localDate, name: z.string().trim().min(1).max(200) }))
      .max(2000),
    /** The version the change is based on (0: none yet): a calendar changed since is a 409. */
    version: z.number().int().min(0).optional(),
  })
  .superRefine((c, ctx) => {
    let bad = false;
    for (const day of WEEKDAYS) {
      const windows = [...(c.week[day] ?? [])].sort((a, b) => a.start.localeCompare(b.start));
      for (let i = 1; i < windows.length; i++) {
        if (windows[i]!.start < windows[i - 1]!.end) {
          ctx.addIssue({ code: 'custom', path: ['week', day], message: 'windows overlap' });
          bad = true;
        }
      }
    }
    const seen = new Set<string>();
    c.holidays.forEach((h, i) => {
      if (seen.has(h.date)) {
        ctx.addIssue({ code: 'custom', path: ['holidays', i, 'date'], message: 'listed twice' });
        bad = true;
      }
      seen.add(h.date);
    });
    if (bad) return;
    // What is left: a week with no working time at all.
    try {
      assertValidCalendar({
        timeZone: c.timeZone,
        week: sorted(c.week),
        holidays: c.holidays.map((h) => h.date),
      });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['week'], message: (err as Error).message });
    }
  })
  .transform((c) => ({ ...c, week: sorted(c.week) }));

/** Each weekday's windows in time order (the arithmetic expects them so). */
function sorted(
  week: Partial<Record<(typeof WEEKDAYS)[number], { start: string; end: string }[]>>,
) {
  return Object.fromEntries(
    Object.entries(week)
      .filter(([, windows]) => windows.length > 0)
      .map(([day, windows]) => [day, [...windows].sort((a, b) => a.start.localeCompare(b.start))]),
  );
}

export const clientCalendarParams = z.strictObject({ clientId: z.uuid() });
