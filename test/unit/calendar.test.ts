import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  addWorkingTime,
  assertValidCalendar,
  countedAt,
  defaultBusinessCalendar,
  instantOfCount,
  isAlwaysOpen,
  isWorkingTime,
  nextWorkingInstant,
  pauseClock,
  remainingAt,
  resumeClock,
  startClock,
  subtractWorkingTime,
  thresholdInstant,
  usFederalHolidays,
  workingTimeBetween,
  type BusinessCalendar,
  type IsoWeekday,
} from '../../workflows/calendar/index.js';

// Business-calendar arithmetic against instants worked out by hand (local time and UTC offset
// written out), not computed by the code under test.

const H = 3_600_000;
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const utc = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A calendar open `start`-`end` on the given ISO weekdays ('12345' = Mon-Fri). */
function open(
  timeZone: string,
  days: string,
  windows: [string, string][],
  holidays: string[] = [],
): BusinessCalendar {
  const week: BusinessCalendar['week'] = {};
  for (const d of days) week[d as IsoWeekday] = windows.map(([start, end]) => ({ start, end }));
  return { timeZone, week, holidays };
}

const DEFAULT = defaultBusinessCalendar(); // Mon-Fri 09-17 New York, US federal holidays
const NY_24H = open('America/New_York', '1234567', [['00:00', '24:00']], ['2027-12-25']);
const NY_SUN_GAP = open('America/New_York', '7', [['02:30', '04:00']]);
const NY_SUN_2_3 = open('America/New_York', '7', [['02:00', '03:00']]);
const NY_SUN_1_2 = open('America/New_York', '7', [['01:00', '02:00']]);
const NY_SUN_OVERLAP = open('America/New_York', '7', [['01:30', '01:45']]);
// On the spring-forward day both windows start at 03:00 EDT: they overlap, counted once.
const NY_SUN_TWO = open('America/New_York', '7', [
  ['02:00', '02:45'],
  ['03:00', '04:00'],
]);
const KOLKATA = open('Asia/Kolkata', '12345', [['09:00', '18:00']]);
const KATHMANDU = open('Asia/Kathmandu', '712345', [['10:00', '17:00']]);
const AUCKLAND = open('Pacific/Auckland', '12345', [['08:30', '17:00']]);
const LORD_HOWE_SUN = open('Australia/Lord_Howe', '7', [['00:00', '24:00']]);
const LORD_HOWE_SUN_2_3 = open('Australia/Lord_Howe', '7', [['02:00', '03:00']]);
const LORD_HOWE_SUN_1_2 = open('Australia/Lord_Howe', '7', [['01:00', '02:00']]);

describe('addWorkingTime', () => {
  it.each<[string, BusinessCalendar, string, number, string]>([
    ['within one day', DEFAULT, '2027-01-12T10:00-05:00', 3 * H, '2027-01-12T13:00-05:00'],
    ['to the end of a window', DEFAULT, '2027-01-08T09:00-05:00', 8 * H, '2027-01-08T17:00-05:00'],
    ['across a weekend', DEFAULT, '2027-01-08T16:00-05:00', 8 * H, '2027-01-11T16:00-05:00'],
    [
      'less than a day, overnight',
      DEFAULT,
      '2027-01-07T15:00-05:00',
      4 * H,
      '2027-01-08T11:00-05:00',
    ],
    ['50 working hours', DEFAULT, '2027-02-01T09:00-05:00', 50 * H, '2027-02-09T11:00-05:00'],
    ['10 working days', DEFAULT, '2027-01-04T09:00-05:00', 80 * H, '2027-01-15T17:00-05:00'],
    ['over MLK Day', DEFAULT, '2027-01-15T16:00-05:00', 8 * H, '2027-01-19T16:00-05:00'],
    ['from a Saturday', DEFAULT, '2027-01-09T10:00-05:00', 2 * H, '2027-01-11T11:00-05:00'],
    ['from before 9', DEFAULT, '2027-01-12T07:00-05:00', 1 * H, '2027-01-12T10:00-05:00'],
    ['from after 17', DEFAULT, '2027-01-12T18:30-05:00', 1 * H, '2027-01-13T10:00-05:00'],
    ['nothing, off hours', DEFAULT, '2027-01-09T10:00-05:00', 0, '2027-01-09T10:00-05:00'],
    ['over spring-forward', DEFAULT, '2027-03-12T16:00-05:00', 2 * H, '2027-03-15T10:00-04:00'],
    ['over fall-back', DEFAULT, '2027-11-05T16:00-04:00', 2 * H, '2027-11-08T10:00-05:00'],
    ['24h, spring-forward', NY_24H, '2027-03-14T00:00-05:00', 3 * H, '2027-03-14T04:00-04:00'],
    ['24h, fall-back', NY_24H, '2027-11-07T00:00-04:00', 3 * H, '2027-11-07T02:00-05:00'],
    ['24h, holiday', NY_24H, '2027-12-24T23:00-05:00', 2 * H, '2027-12-26T01:00-05:00'],
    [
      'window from the gap',
      NY_SUN_GAP,
      '2027-03-13T12:00-05:00',
      20 * MIN,
      '2027-03-14T03:50-04:00',
    ],
    [
      'same window, plain Sunday',
      NY_SUN_GAP,
      '2027-03-06T12:00-05:00',
      20 * MIN,
      '2027-03-07T02:50-05:00',
    ],
    [
      'two windows, one gap',
      NY_SUN_TWO,
      '2027-03-13T12:00-05:00',
      50 * MIN,
      '2027-03-14T03:50-04:00',
    ],
    [
      'ambiguous 01:30: the first',
      NY_SUN_OVERLAP,
      '2027-11-06T12:00-04:00',
      5 * MIN,
      '2027-11-07T01:35-04:00',
    ],
    ['Kolkata +05:30', KOLKATA, '2027-01-08T17:00+05:30', 2 * H, '2027-01-11T10:00+05:30'],
    [
      'Kathmandu +05:45, Sun-Fri',
      KATHMANDU,
      '2027-01-08T16:00+05:45',
      3 * H,
      '2027-01-10T12:00+05:45',
    ],
    ['Auckland +13:00', AUCKLAND, '2027-01-15T16:00+13:00', 2 * H, '2027-01-18T09:30+13:00'],
    ['Auckland, DST ends', AUCKLAND, '2027-04-02T16:00+13:00', 2 * H, '2027-04-05T09:30+12:00'],
    [
      'Lord Howe 24.5 h Sunday',
      LORD_HOWE_SUN,
      '2027-04-03T12:00+11:00',
      24 * H,
      '2027-04-04T23:30+10:30',
    ],
    [
      'Lord Howe, window in gap',
      LORD_HOWE_SUN_2_3,
      '2027-10-02T12:00+10:30',
      15 * MIN,
      '2027-10-03T02:45+11:00',
    ],
    ['always open: plain', ALWAYS_OPEN, '2027-03-14T00:00Z', 90 * MIN, '2027-03-14T01:30Z'],
  ])('%s', (_name, cal, from, ms, expected) => {
    expect(utc(addWorkingTime(cal, at(from), ms))).toBe(utc(at(expected)));
  });
});

describe('speed', () => {
  it('adds 10 working days 200 times well within a second (day by day, not minute by minute)', () => {
    const start = performance.now();
    for (let i = 0; i < 200; i++)
      addWorkingTime(DEFAULT, at('2027-01-04T09:00-05:00') + i * H, 80 * H);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('workingTimeBetween', () => {
  it.each<[string, BusinessCalendar, string, string, number]>([
    [
      'part of a day',
      DEFAULT,
      '2027-01-12T12:34-05:00',
      '2027-01-12T15:00-05:00',
      2 * H + 26 * MIN,
    ],
    ['reversed range', DEFAULT, '2027-01-12T15:00-05:00', '2027-01-12T10:00-05:00', 0],
    ['a week with MLK Day', DEFAULT, '2027-01-18T00:00-05:00', '2027-01-23T00:00-05:00', 32 * H],
    ['over spring-forward', DEFAULT, '2027-03-12T09:00-05:00', '2027-03-15T17:00-04:00', 16 * H],
    ['24h, spring-forward day', NY_24H, '2027-03-14T00:00-05:00', '2027-03-15T00:00-04:00', 23 * H],
    ['24h, fall-back day', NY_24H, '2027-11-07T00:00-04:00', '2027-11-08T00:00-05:00', 25 * H],
    ['02:30-04:00, gap day', NY_SUN_GAP, '2027-03-13T00:00Z', '2027-03-16T00:00Z', 30 * MIN],
    ['02:30-04:00, plain Sunday', NY_SUN_GAP, '2027-03-06T00:00Z', '2027-03-09T00:00Z', 90 * MIN],
    ['02:00-03:00, gap day', NY_SUN_2_3, '2027-03-13T00:00Z', '2027-03-16T00:00Z', 0],
    ['01:00-02:00, fall-back', NY_SUN_1_2, '2027-11-06T00:00Z', '2027-11-09T00:00Z', 2 * H],
    ['01:30-01:45, fall-back', NY_SUN_OVERLAP, '2027-11-06T00:00Z', '2027-11-09T00:00Z', 15 * MIN],
    ['overlapping in the gap', NY_SUN_TWO, '2027-03-13T00:00Z', '2027-03-16T00:00Z', 1 * H],
    ['same, plain Sunday', NY_SUN_TWO, '2027-03-06T00:00Z', '2027-03-09T00:00Z', 105 * MIN],
    ['Kolkata week', KOLKATA, '2027-01-11T00:00+05:30', '2027-01-18T00:00+05:30', 45 * H],
    ['Kolkata, UTC day', KOLKATA, '2027-01-11T00:00Z', '2027-01-12T00:00Z', 9 * H],
    ['Kathmandu week', KATHMANDU, '2027-01-09T00:00+05:45', '2027-01-16T00:00+05:45', 42 * H],
    [
      'Auckland, DST starts',
      AUCKLAND,
      '2027-09-25T00:00+12:00',
      '2027-10-02T00:00+13:00',
      42.5 * H,
    ],
    ['Lord Howe, 24.5 h', LORD_HOWE_SUN, '2027-04-02T00:00Z', '2027-04-06T00:00Z', 24.5 * H],
    ['Lord Howe, 23.5 h', LORD_HOWE_SUN, '2027-09-30T00:00Z', '2027-10-05T00:00Z', 23.5 * H],
    ['Lord Howe 02-03, gap', LORD_HOWE_SUN_2_3, '2027-09-30T00:00Z', '2027-10-05T00:00Z', 30 * MIN],
    [
      'Lord Howe 01-02, overlap',
      LORD_HOWE_SUN_1_2,
      '2027-04-02T00:00Z',
      '2027-04-06T00:00Z',
      90 * MIN,
    ],
    ['always open', ALWAYS_OPEN, '2027-03-14T00:00Z', '2027-03-15T00:00Z', 24 * H],
  ])('%s', (_name, cal, from, to, expected) => {
    expect(workingTimeBetween(cal, at(from), at(to))).toBe(expected);
  });
});

describe('subtractWorkingTime', () => {
  it.each<[string, BusinessCalendar, string, number, string]>([
    ['back over a weekend', DEFAULT, '2027-01-11T10:00-05:00', 2 * H, '2027-01-08T16:00-05:00'],
    ['to a window start', DEFAULT, '2027-01-19T10:00-05:00', 1 * H, '2027-01-19T09:00-05:00'],
    ['back over MLK Day', DEFAULT, '2027-01-19T10:00-05:00', 2 * H, '2027-01-15T16:00-05:00'],
    ['from a Saturday', DEFAULT, '2027-01-09T12:00-05:00', 1 * H, '2027-01-08T16:00-05:00'],
    ['over spring-forward', DEFAULT, '2027-03-15T10:00-04:00', 2 * H, '2027-03-12T16:00-05:00'],
    ['nothing', DEFAULT, '2027-01-09T12:00-05:00', 0, '2027-01-09T12:00-05:00'],
    ['24h, fall-back day', NY_24H, '2027-11-08T00:00-05:00', 25 * H, '2027-11-07T00:00-04:00'],
    [
      'overlapping in the gap',
      NY_SUN_TWO,
      '2027-03-15T00:00-04:00',
      1 * H,
      '2027-03-14T03:00-04:00',
    ],
    [
      'Lord Howe 24.5 h',
      LORD_HOWE_SUN,
      '2027-04-05T00:00+10:30',
      24.5 * H,
      '2027-04-04T00:00+11:00',
    ],
    ['Kathmandu', KATHMANDU, '2027-01-10T12:00+05:45', 3 * H, '2027-01-08T16:00+05:45'],
    ['always open', ALWAYS_OPEN, '2027-03-14T00:00Z', 90 * MIN, '2027-03-13T22:30Z'],
  ])('%s', (_name, cal, to, ms, expected) => {
    expect(utc(subtractWorkingTime(cal, at(to), ms))).toBe(utc(at(expected)));
  });
});

describe('isWorkingTime and nextWorkingInstant', () => {
  it.each<[string, BusinessCalendar, string, boolean, string]>([
    ['a window start', DEFAULT, '2027-01-12T09:00-05:00', true, '2027-01-12T09:00-05:00'],
    [
      'just before its end',
      DEFAULT,
      '2027-01-12T16:59:59.999-05:00',
      true,
      '2027-01-12T16:59:59.999-05:00',
    ],
    ['a window end', DEFAULT, '2027-01-12T17:00-05:00', false, '2027-01-13T09:00-05:00'],
    ['Friday evening', DEFAULT, '2027-01-08T17:00-05:00', false, '2027-01-11T09:00-05:00'],
    ['MLK Day noon', DEFAULT, '2027-01-18T12:00-05:00', false, '2027-01-19T09:00-05:00'],
    ['in the DST gap', NY_SUN_GAP, '2027-03-14T01:00-05:00', false, '2027-03-14T03:30-04:00'],
    ['Kolkata morning', KOLKATA, '2027-01-11T03:29Z', false, '2027-01-11T09:00+05:30'],
    ['always open', ALWAYS_OPEN, '2027-01-09T03:00Z', true, '2027-01-09T03:00Z'],
  ])('%s', (_name, cal, t, working, next) => {
    expect(isWorkingTime(cal, at(t))).toBe(working);
    expect(utc(nextWorkingInstant(cal, at(t)))).toBe(utc(at(next)));
  });
});

describe('isAlwaysOpen', () => {
  it('is the 24/7 calendar without holidays, in any zone', () => {
    expect(isAlwaysOpen(ALWAYS_OPEN)).toBe(true);
    expect(isAlwaysOpen(open('America/New_York', '1234567', [['00:00', '24:00']]))).toBe(true);
    expect(isAlwaysOpen(NY_24H)).toBe(false);
    expect(isAlwaysOpen(DEFAULT)).toBe(false);
  });

  it('cannot be changed', () => {
    expect(() => ALWAYS_OPEN.holidays.push('2027-01-01')).toThrow();
    expect(() => ALWAYS_OPEN.week['1']!.push({ start: '00:00', end: '01:00' })).toThrow();
  });
});

describe('assertValidCalendar', () => {
  const nine = (windows: [string, string][], holidays: string[] = []) =>
    open('America/New_York', '1', windows, holidays);
  it.each<[string, BusinessCalendar, RegExp]>([
    ['an unknown zone', { ...DEFAULT, timeZone: 'Mars/Olympus' }, /time zone "Mars\/Olympus"/],
    ['an empty zone', { ...DEFAULT, timeZone: '' }, /time zone ""/],
    ['H:MM', nine([['9:00', '17:00']]), /"9:00" is not a local time 'HH:MM'/],
    ['24:30', nine([['09:00', '24:30']]), /"24:30" is not a local time/],
    ['a start of 24:00', nine([['24:00', '24:00']]), /"24:00" is not a local time/],
    [
      'end before start',
      nine([['17:00', '09:00']]),
      /window 1: end 09:00 is not after start 17:00/,
    ],
    ['an empty window', nine([['09:00', '09:00']]), /end 09:00 is not after start 09:00/],
    [
      'overlapping',
      nine([
        ['09:00', '12:00'],
        ['11:00', '17:00'],
      ]),
      /window 2: starts before/,
    ],
    [
      'out of order',
      nine([
        ['13:00', '17:00'],
        ['09:00', '12:00'],
      ]),
      /window 2: starts before/,
    ],
    ['Feb 30', nine([['09:00', '17:00']], ['2027-02-30']), /holiday "2027-02-30"/],
    ['a short date', nine([['09:00', '17:00']], ['2027-1-5']), /holiday "2027-1-5"/],
    ['no window', { ...DEFAULT, week: {} }, /no working time at all/],
    ['only empty days', { ...DEFAULT, week: { '6': [] } }, /no working time at all/],
    ['a weekday name', { ...DEFAULT, week: { mon: [] } as never }, /week key 'mon'/],
  ])('rejects %s', (_name, cal, message) => {
    expect(() => assertValidCalendar(cal)).toThrow(message);
    expect(() => addWorkingTime(cal, at('2027-01-12T10:00Z'), H)).toThrow(message);
  });

  it('accepts touching windows, a leap day and the built-in calendars', () => {
    expect(() =>
      assertValidCalendar(
        nine(
          [
            ['09:00', '12:00'],
            ['12:00', '24:00'],
          ],
          ['2028-02-29'],
        ),
      ),
    ).not.toThrow();
    expect(() => assertValidCalendar(DEFAULT)).not.toThrow();
    expect(() => assertValidCalendar(ALWAYS_OPEN)).not.toThrow();
  });

  it('rejects negative working time and non-finite instants', () => {
    expect(() => addWorkingTime(DEFAULT, at('2027-01-12T10:00Z'), -1)).toThrow(RangeError);
    expect(() => subtractWorkingTime(DEFAULT, Number.NaN, H)).toThrow(RangeError);
    expect(() => workingTimeBetween(DEFAULT, 0, Infinity)).toThrow(RangeError);
  });
});

describe('the 3-year guard', () => {
  // Open on Mondays only, and every Monday of 2026-2029 is a holiday.
  const mondays: string[] = [];
  for (let t = at('2026-01-05T12:00Z'); t <= at('2029-12-31T12:00Z'); t += 7 * 24 * H) {
    mondays.push(new Date(t).toISOString().slice(0, 10));
  }
  const dry = open('America/New_York', '1', [['09:00', '17:00']], mondays);

  it('throws when scanning finds nothing within 3 years', () => {
    expect(() => addWorkingTime(dry, at('2026-01-01T00:00Z'), H)).toThrow(
      'calendar has no working time within 3 years of 2026-01-01T00:00:00.000Z',
    );
    expect(() => nextWorkingInstant(dry, at('2026-06-01T00:00Z'))).toThrow(/within 3 years/);
  });

  it('finds working time less than 3 years away, and bounded ranges never throw', () => {
    expect(utc(nextWorkingInstant(dry, at('2027-06-01T00:00Z')))).toBe(
      utc(at('2030-01-07T09:00-05:00')),
    );
    expect(workingTimeBetween(dry, at('2026-01-01T00:00Z'), at('2030-01-01T00:00Z'))).toBe(0);
    expect(isWorkingTime(dry, at('2027-01-04T15:00Z'))).toBe(false);
  });
});

describe('the SLA clock', () => {
  const thu9 = at('2027-01-07T09:00-05:00');
  const fri15 = at('2027-01-08T15:00-05:00');
  const mon11 = at('2027-01-11T11:00-05:00');

  it('pauses across a weekend: counted unchanged, thresholds move by the paused working time', () => {
    const running = startClock(16 * H, thu9);
    expect(utc(thresholdInstant(DEFAULT, running, 1))).toBe(utc(at('2027-01-08T17:00-05:00')));
    const paused = pauseClock(DEFAULT, running, fri15);
    expect(paused).toEqual({ slaMs: 16 * H, countedMs: 14 * H, pausedAt: fri15 });
    expect(countedAt(DEFAULT, paused, mon11)).toBe(14 * H);
    expect(instantOfCount(DEFAULT, paused, 16 * H)).toBeUndefined();
    expect(thresholdInstant(DEFAULT, paused, 0.6)).toBeUndefined();
    const resumed = resumeClock(paused, mon11);
    expect(resumed).toEqual({ slaMs: 16 * H, countedMs: 14 * H, since: mon11 });
    expect(countedAt(DEFAULT, resumed, mon11)).toBe(14 * H);
    const due = thresholdInstant(DEFAULT, resumed, 1)!;
    expect(utc(due)).toBe(utc(at('2027-01-11T13:00-05:00')));
    // Moved by the working time of the pause (Fri 15-17, Mon 9-11): 4 h.
    expect(workingTimeBetween(DEFAULT, at('2027-01-08T17:00-05:00'), due)).toBe(4 * H);
    expect(workingTimeBetween(DEFAULT, fri15, mon11)).toBe(4 * H);
    expect(utc(thresholdInstant(DEFAULT, resumed, 0.95))).toBe(utc(at('2027-01-11T12:12-05:00')));
    expect(remainingAt(DEFAULT, resumed, at('2027-01-11T12:00-05:00'))).toBe(1 * H);
  });

  it.each<[number, string]>([
    [0.6, '2027-01-08T10:36-05:00'],
    [0.8, '2027-01-08T13:48-05:00'],
    [0.95, '2027-01-08T16:12-05:00'],
    [1, '2027-01-08T17:00-05:00'],
  ])('puts the %s threshold of a 16 h SLA from Thursday 9:00 at %s', (share, expected) => {
    expect(utc(thresholdInstant(DEFAULT, startClock(16 * H, thu9), share))).toBe(utc(at(expected)));
  });

  it('pauses and resumes within a day', () => {
    const tue = (hhmm: string) => at(`2027-01-12T${hhmm}-05:00`);
    const clock = resumeClock(
      pauseClock(DEFAULT, startClock(8 * H, tue('09:00')), tue('10:00')),
      tue('12:00'),
    );
    expect(countedAt(DEFAULT, clock, tue('13:00'))).toBe(2 * H);
    expect(utc(thresholdInstant(DEFAULT, clock, 1))).toBe(utc(at('2027-01-13T11:00-05:00')));
    expect(remainingAt(DEFAULT, clock, at('2027-01-14T12:00-05:00'))).toBe(0);
    expect(countedAt(DEFAULT, clock, at('2027-01-14T12:00-05:00'))).toBe(17 * H); // Tue 1 + 5, Wed 8, Thu 3
  });

  it('gives the instant a count was reached, or `since` when counted before it', () => {
    const tue9 = at('2027-01-12T09:00-05:00');
    expect(utc(instantOfCount(DEFAULT, startClock(8 * H, tue9), H))).toBe(utc(tue9 + H));
    const carried = { slaMs: 8 * H, countedMs: 5 * H, since: tue9 };
    expect(instantOfCount(DEFAULT, carried, 3 * H)).toBe(tue9);
  });

  it('never mutates, and is a no-op pausing a paused or resuming a running clock', () => {
    const running = Object.freeze(startClock(8 * H, thu9));
    const paused = Object.freeze(pauseClock(DEFAULT, running, fri15));
    expect(pauseClock(DEFAULT, paused, mon11)).toBe(paused);
    expect(resumeClock(running, mon11)).toBe(running);
    expect(resumeClock(paused, mon11)).not.toBe(paused);
    expect(running).toEqual({ slaMs: 8 * H, countedMs: 0, since: thu9 });
  });
});

describe('usFederalHolidays', () => {
  it('lists 2026 and 2027 as observed, with 2028 New Year observed on 2027-12-31', () => {
    expect(usFederalHolidays(2026, 2027)).toEqual([
      { date: '2026-01-01', name: "New Year's Day" },
      { date: '2026-01-19', name: 'Martin Luther King Jr. Day' },
      { date: '2026-02-16', name: "Washington's Birthday" },
      { date: '2026-05-25', name: 'Memorial Day' },
      { date: '2026-06-19', name: 'Juneteenth' },
      { date: '2026-07-03', name: 'Independence Day (observed)' },
      { date: '2026-09-07', name: 'Labor Day' },
      { date: '2026-10-12', name: 'Columbus Day' },
      { date: '2026-11-11', name: 'Veterans Day' },
      { date: '2026-11-26', name: 'Thanksgiving Day' },
      { date: '2026-12-25', name: 'Christmas Day' },
      { date: '2027-01-01', name: "New Year's Day" },
      { date: '2027-01-18', name: 'Martin Luther King Jr. Day' },
      { date: '2027-02-15', name: "Washington's Birthday" },
      { date: '2027-05-31', name: 'Memorial Day' },
      { date: '2027-06-18', name: 'Juneteenth (observed)' },
      { date: '2027-07-05', name: 'Independence Day (observed)' },
      { date: '2027-09-06', name: 'Labor Day' },
      { date: '2027-10-11', name: 'Columbus Day' },
      { date: '2027-11-11', name: 'Veterans Day' },
      { date: '2027-11-25', name: 'Thanksgiving Day' },
      { date: '2027-12-24', name: 'Christmas Day (observed)' },
      { date: '2027-12-31', name: "New Year's Day (observed)" },
    ]);
  });

  it('keeps a range to observed dates: 2028 alone has no New Year and a Friday Veterans Day', () => {
    const y2028 = usFederalHolidays(2028, 2028);
    expect(y2028.map((h) => h.date)).toEqual([
      '2028-01-17',
      '2028-02-21',
      '2028-05-29',
      '2028-06-19',
      '2028-07-04',
      '2028-09-04',
      '2028-10-09',
      '2028-11-10',
      '2028-11-23',
      '2028-12-25',
    ]);
  });

  it('makes the default calendar: Mon-Fri 9-17 New York, holidays of 2026-2030', () => {
    const cal = defaultBusinessCalendar();
    expect(cal.timeZone).toBe('America/New_York');
    expect(Object.keys(cal.week).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(cal.week['3']).toEqual([{ start: '09:00', end: '17:00' }]);
    expect(cal.holidays).toHaveLength(55);
    expect(cal.holidays[0]).toBe('2026-01-01');
    expect(cal.holidays.at(-1)).toBe('2030-12-25');
    expect(cal.holidays).toContain('2027-12-31');
  });
});
