import type { BusinessCalendar } from './arithmetic.js';

// US federal holidays (5 U.S.C. 6103), computed by rule, and the default business calendar:
// Mon-Fri 09:00-17:00 in New York without them. Pure and deterministic.

/** A holiday as observed: its local date 'YYYY-MM-DD' and name. */
export interface Holiday {
  date: string;
  name: string;
}

/** The years the default business calendar lists holidays for (inclusive). */
export const DEFAULT_CALENDAR_YEARS = [2026, 2030] as const;

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
/** Day of week of a date, 0 = Sunday .. 6 = Saturday. */
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** Day of month of the nth (1-based) `dow` of a month; n = -1 for the last one. */
function nthWeekday(y: number, m: number, dow: number, n: number): number {
  if (n > 0) return 1 + ((dow - weekday(y, m, 1) + 7) % 7) + (n - 1) * 7;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return last - ((weekday(y, m, last) - dow + 7) % 7);
}

/** A fixed-date holiday as observed: Saturday -> the Friday before, Sunday -> the Monday after. */
function observed(y: number, m: number, d: number, name: string): Holiday {
  const shift = [1, 0, 0, 0, 0, 0, -1][weekday(y, m, d)]!;
  if (shift === 0) return { date: iso(y, m, d), name };
  const day = new Date(Date.UTC(y, m - 1, d + shift));
  const date = iso(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
  return { date, name: `${name} (observed)` };
}

function holidaysOf(y: number): Holiday[] {
  const monday = (m: number, n: number) => iso(y, m, nthWeekday(y, m, 1, n));
  return [
    observed(y, 1, 1, "New Year's Day"),
    { date: monday(1, 3), name: 'Martin Luther King Jr. Day' },
    { date: monday(2, 3), name: "Washington's Birthday" },
    { date: monday(5, -1), name: 'Memorial Day' },
    ...(y >= 2021 ? [observed(y, 6, 19, 'Juneteenth')] : []),
    observed(y, 7, 4, 'Independence Day'),
    { date: monday(9, 1), name: 'Labor Day' },
    { date: monday(10, 2), name: 'Columbus Day' },
    observed(y, 11, 11, 'Veterans Day'),
    { date: iso(y, 11, nthWeekday(y, 11, 4, 4)), name: 'Thanksgiving Day' },
    observed(y, 12, 25, 'Christmas Day'),
  ];
}

/**
 * The federal holidays observed on dates within fromYear..toYear (inclusive), sorted by date.
 * A range is a range of observed dates: when January 1 is a Saturday, its observed day is
 * December 31 of the year before, so 2027-12-31 "New Year's Day (observed)" (for 2028) is in
 * the list of 2027 and 2028 has no New Year's Day of its own. Juneteenth counts from 2021.
 */
export function usFederalHolidays(fromYear: number, toYear: number): Holiday[] {
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear)) {
    throw new RangeError(`years must be integers, got ${fromYear} and ${toYear}`);
  }
  const all: Holiday[] = [];
  for (let y = fromYear; y <= toYear + 1; y++) all.push(...holidaysOf(y));
  const [first, last] = [`${fromYear}-01-01`, `${toYear}-12-31`];
  return all
    .filter((h) => h.date >= first && h.date <= last)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Mon-Fri 09:00-17:00 America/New_York, without the federal holidays of DEFAULT_CALENDAR_YEARS. */
export function defaultBusinessCalendar(): BusinessCalendar {
  const day = () => [{ start: '09:00', end: '17:00' }];
  return {
    timeZone: 'America/New_York',
    week: { '1': day(), '2': day(), '3': day(), '4': day(), '5': day() },
    holidays: usFederalHolidays(...DEFAULT_CALENDAR_YEARS).map((h) => h.date),
  };
}
