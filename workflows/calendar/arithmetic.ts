// Business-calendar arithmetic for SLA clocks: working time between two instants, and adding or
// subtracting working time, counted in the calendar's own time zone (DST included). Pure and
// deterministic (only its arguments, plus Intl for time-zone offsets): safe inside workflows.

/** A working window of one weekday, local 'HH:MM' times; `end` may be '24:00'; start < end. */
export interface WorkingWindow {
  start: string;
  end: string;
}

/** ISO weekday: '1' = Monday .. '7' = Sunday. */
export type IsoWeekday = '1' | '2' | '3' | '4' | '5' | '6' | '7';

/** When working time counts: weekly windows in a time zone, minus holidays. Treat as immutable. */
export interface BusinessCalendar {
  /** IANA time zone, e.g. 'America/New_York'. */
  timeZone: string;
  /** Sorted, non-overlapping windows per weekday; absent or empty = closed. */
  week: Partial<Record<IsoWeekday, WorkingWindow[]>>;
  /** Local dates 'YYYY-MM-DD' on which nothing counts. */
  holidays: string[];
}

type Interval = [start: number, end: number];
interface Compiled {
  zone: string;
  week: (readonly [number, number])[][]; // minutes of the local day, by ISO weekday (0 unused)
  holidays: Set<number>; // local day numbers (days since 1970-01-01)
  open: boolean;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const GUARD_DAYS = 3 * 366;
const WEEKDAYS: readonly IsoWeekday[] = ['1', '2', '3', '4', '5', '6', '7'];

const frozen = <T>(value: T): T => Object.freeze(value);
const allDay = frozen([frozen({ start: '00:00', end: '24:00' })]);

/** 24/7, UTC, no holidays: the wall-clock ("calendar") SLA clock. Fast path: plain arithmetic. */
export const ALWAYS_OPEN: BusinessCalendar = frozen({
  timeZone: 'UTC',
  week: frozen(Object.fromEntries(WEEKDAYS.map((d) => [d, allDay]))),
  holidays: frozen([]),
});

/** Whether every weekday is exactly 00:00-24:00 and there is no holiday (any time zone). */
export function isAlwaysOpen(cal: BusinessCalendar): boolean {
  const allDay = (w?: WorkingWindow[]) =>
    w?.length === 1 && `${w[0]!.start}-${w[0]!.end}` === '00:00-24:00';
  return cal.holidays.length === 0 && WEEKDAYS.every((d) => allDay(cal.week[d]));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const dayOffsetCache = new Map<string, readonly [number, number]>();

/** map.get(key), made and stored when absent (the map is cleared at `max` entries). */
function memo<K, V>(map: Map<K, V>, key: K, make: () => V, max = 20_000): V {
  let value = map.get(key);
  if (value === undefined) {
    if (map.size >= max) map.clear();
    map.set(key, (value = make()));
  }
  return value;
}

function formatter(zone: string): Intl.DateTimeFormat {
  const make = () => new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'longOffset' });
  return memo(formatters, zone, make);
}

/** UTC offset (ms) of `zone` at instant `t`, read from Intl's 'GMT-05:00' (or 'GMT'). */
function offsetAt(zone: string, t: number): number {
  const parts = formatter(zone).formatToParts(t);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /^GMT(?:([+\-\u2212])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected UTC offset '${name}' of time zone ${zone}`);
  const ms = (Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === '+' || m[1] === undefined ? ms : -ms;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Offsets a day before and two days after local midnight of day `dn`: equal = no DST change. */
function dayOffsets(zone: string, dn: number): readonly [number, number] {
  return memo(dayOffsetCache, `${zone}|${dn}`, () => [
    offsetAt(zone, (dn - 1) * DAY),
    offsetAt(zone, (dn + 2) * DAY),
  ]);
}

/**
 * The instant of local day `dn` at `minutes` past midnight (1440 = next midnight). A time in a
 * spring-forward gap moves forward by the gap; an ambiguous one takes the earlier instant.
 */
function toInstant(zone: string, dn: number, minutes: number): number {
  const local = dn * DAY + minutes * MINUTE;
  const [before, after] = dayOffsets(zone, dn);
  if (before === after) return local - before;
  const [early, late] = [local - before, local - after];
  const earlyOk = offsetAt(zone, early) === before;
  const lateOk = offsetAt(zone, late) === after;
  if (earlyOk && lateOk) return Math.min(early, late);
  return lateOk ? late : early; // neither: in the gap, read with the offset before it
}

const localDay = (zone: string, t: number) => Math.floor((t + offsetAt(zone, t)) / DAY);
const isoWeekday = (dn: number) => ((((dn + 3) % 7) + 7) % 7) + 1;

/** The working intervals of local day `dn` (unsorted when a DST gap reorders them). */
function rawDay(c: Compiled, dn: number): Interval[] {
  if (c.holidays.has(dn)) return [];
  const { zone, week } = c;
  const all = week[isoWeekday(dn)]!.map(([s, e]): Interval => [
    toInstant(zone, dn, s),
    toInstant(zone, dn, e),
  ]);
  return all.filter(([s, e]) => e > s);
}

/** Adds intervals to a sorted disjoint list, merging the overlapping ones (touching stay apart). */
function insert(buffer: Interval[], add: Interval[]): void {
  if (add.length === 0) return;
  buffer.push(...add);
  buffer.sort((a, b) => a[0] - b[0]);
  let w = 0;
  for (let i = 1; i < buffer.length; i++) {
    const cur = buffer[w]!;
    const next = buffer[i]!;
    if (next[0] < cur[1]) cur[1] = Math.max(cur[1], next[1]);
    else buffer[++w] = next;
  }
  buffer.length = w + 1;
}

/**
 * Disjoint working intervals in time order from `t` (dir 1: those ending after t, ascending;
 * dir -1: those starting before t, descending), until `limit` is passed. A local time maps to
 * an instant within a day of itself, so an interval is final once a day beyond it is read.
 */
function* intervals(c: Compiled, t: number, dir: 1 | -1, limit: number): Generator<Interval> {
  const buffer: Interval[] = [];
  let dn = localDay(c.zone, t) - dir;
  let dry = 0;
  let dryFrom = t;
  for (;;) {
    insert(buffer, rawDay(c, dn));
    const edge = dir > 0 ? dn * DAY : (dn + 1) * DAY; // later days' intervals lie beyond it
    const done = dir > 0 ? edge >= limit : edge <= limit;
    while (buffer.length > 0) {
      const iv = dir > 0 ? buffer[0]! : buffer[buffer.length - 1]!;
      if (!done && (dir > 0 ? iv[1] > edge : iv[0] < edge)) break;
      if (dir > 0) buffer.shift();
      else buffer.pop();
      if (dir > 0 ? iv[1] > t : iv[0] < t) {
        dry = 0;
        dryFrom = dir > 0 ? iv[1] : iv[0];
        yield iv;
      }
    }
    if (done) return;
    if (!Number.isFinite(limit) && ++dry > GUARD_DAYS) {
      const iso = new Date(dryFrom).toISOString();
      throw new Error(`calendar has no working time within 3 years of ${iso}`);
    }
    dn += dir;
  }
}

const compiledCache = new Map<string, Compiled>();

function minutesOf(hhmm: unknown, where: string, allow24: boolean): number {
  const m = typeof hhmm === 'string' ? /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm) : null;
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!(minutes <= (allow24 ? 1440 : 1439))) {
    throw new Error(`${where}: ${JSON.stringify(hhmm)} is not a local time 'HH:MM'`);
  }
  return minutes;
}

function holidayDay(date: unknown): number {
  const m = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const len = daysFromCivil(mo === 12 ? y + 1 : y, (mo % 12) + 1, 1) - daysFromCivil(y, mo, 1);
  if (mo < 1 || mo > 12 || d < 1 || d > len) {
    throw new Error(`calendar holiday ${JSON.stringify(date)} is not a date 'YYYY-MM-DD'`);
  }
  return daysFromCivil(y, mo, d);
}

function parse(cal: BusinessCalendar): Compiled {
  const zone = cal.timeZone;
  try {
    if (typeof zone !== 'string' || zone === '') throw new Error();
    formatter(zone);
  } catch {
    throw new Error(`calendar time zone ${JSON.stringify(zone)} is not an IANA time zone`);
  }
  const badKey = Object.keys(cal.week).find((k) => !WEEKDAYS.includes(k as IsoWeekday));
  if (badKey !== undefined) throw new Error(`calendar week key '${badKey}' is not '1' to '7'`);
  const week = WEEKDAYS.map((d) => {
    let previousEnd = 0;
    return (cal.week[d] ?? []).map((w, i) => {
      const where = `calendar weekday ${d} window ${i + 1}`;
      const s = minutesOf(w.start, where, false);
      const e = minutesOf(w.end, where, true);
      if (e <= s) throw new Error(`${where}: end ${w.end} is not after start ${w.start}`);
      if (s < previousEnd) throw new Error(`${where}: starts before the previous window ends`);
      previousEnd = e;
      return [s, e] as const;
    });
  });
  if (week.every((w) => w.length === 0)) throw new Error('calendar has no working time at all');
  const holidays = new Set(cal.holidays.map(holidayDay));
  return { zone, week: [[], ...week], holidays, open: isAlwaysOpen(cal) };
}

function compile(cal: BusinessCalendar): Compiled {
  return memo(compiledCache, JSON.stringify(cal), () => parse(cal), 500);
}

function check(value: number, what: string, min = -Infinity): void {
  if (!(value >= min && value < Infinity)) throw new RangeError(`bad ${what}: ${value}`);
}

/** Throws an Error naming the problem when `cal` is not a usable calendar. */
export function assertValidCalendar(cal: BusinessCalendar): void {
  parse(cal);
}

/** Working ms in [from, to); 0 when to <= from. */
export function workingTimeBetween(cal: BusinessCalendar, from: number, to: number): number {
  const c = compile(cal);
  check(from, 'from');
  check(to, 'to');
  if (to <= from) return 0;
  if (c.open) return to - from;
  let sum = 0;
  for (const [s, e] of intervals(c, from, 1, to)) {
    if (s >= to) break;
    sum += Math.min(e, to) - Math.max(s, from);
  }
  return sum;
}

/** Walks `ms` of working time from `t` forward (dir 1) or backward (dir -1). */
function walk(c: Compiled, t: number, dir: 1 | -1, ms: number): number {
  let left = ms;
  for (const [s, e] of intervals(c, t, dir, dir * Infinity)) {
    const [from, to] = dir > 0 ? [Math.max(s, t), e] : [s, Math.min(e, t)];
    if (to - from >= left) return dir > 0 ? from + left : to - left;
    left -= to - from;
  }
  throw new Error('unreachable: the interval stream ends only by throwing');
}

/**
 * Earliest t >= from with workingTimeBetween(from, t) === ms (ms >= 0; 0 gives from). When the
 * count completes exactly at a window's end, that end (not the next window's start).
 */
export function addWorkingTime(cal: BusinessCalendar, from: number, ms: number): number {
  const c = compile(cal);
  check(from, 'from');
  check(ms, 'working time (ms)', 0);
  return ms === 0 ? from : c.open ? from + ms : walk(c, from, 1, ms);
}

/** Latest t <= to with workingTimeBetween(t, to) === ms (the mirror of addWorkingTime). */
export function subtractWorkingTime(cal: BusinessCalendar, to: number, ms: number): number {
  const c = compile(cal);
  check(to, 'to');
  check(ms, 'working time (ms)', 0);
  return ms === 0 ? to : c.open ? to - ms : walk(c, to, -1, ms);
}

/** Whether instant t is inside a working window (start inclusive, end exclusive). */
export function isWorkingTime(cal: BusinessCalendar, t: number): boolean {
  const c = compile(cal);
  check(t, 'instant');
  if (c.open) return true;
  for (const [s] of intervals(c, t, 1, t)) return s <= t;
  return false;
}

/** The next instant >= t that is working time (t itself when it is). */
export function nextWorkingInstant(cal: BusinessCalendar, t: number): number {
  const c = compile(cal);
  check(t, 'instant');
  return c.open ? t : walk(c, t, 1, 0);
}
