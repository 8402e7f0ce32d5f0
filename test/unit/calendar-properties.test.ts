import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  addWorkingTime,
  countedAt,
  instantOfCount,
  isWorkingTime,
  nextWorkingInstant,
  pauseClock,
  resumeClock,
  startClock,
  subtractWorkingTime,
  workingTimeBetween,
  type BusinessCalendar,
  type CountedClock,
  type IsoWeekday,
  type WorkingWindow,
} from '../../workflows/calendar/index.js';

// Laws of business-calendar arithmetic over arbitrary calendars (random windows on random
// weekdays, random holidays) in zones with DST of 1 h and 30 min, half-hour offsets and the
// southern hemisphere, at instants of 2026-2028 with extra weight around DST changes.

const H = 3_600_000;
const DAY = 24 * H;
const ZONES = ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Auckland'];
const FROM = Date.parse('2026-01-01T00:00:00Z');
const TO = Date.parse('2029-01-01T00:00:00Z');
// DST changes (UTC) of New York, Lord Howe and Auckland in 2026-2028.
const DST_CHANGES = [
  '2026-03-08T07:00Z',
  '2026-11-01T06:00Z',
  '2027-03-14T07:00Z',
  '2027-11-07T06:00Z',
  '2028-03-12T07:00Z',
  '2028-11-05T06:00Z',
  '2026-04-04T15:00Z',
  '2026-10-03T15:30Z',
  '2027-04-03T15:00Z',
  '2027-10-02T15:30Z',
  '2026-04-04T14:00Z',
  '2026-09-26T14:00Z',
  '2027-04-03T14:00Z',
  '2027-09-25T14:00Z',
].map((iso) => Date.parse(iso));

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (quarter: number) => `${pad(Math.floor(quarter / 4))}:${pad((quarter % 4) * 15)}`;

/** Sorted distinct quarter-hours cut into windows: [a, b), [c, d), ... */
const windowsArb: fc.Arbitrary<WorkingWindow[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 })
  .map((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const windows: WorkingWindow[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) {
      windows.push({ start: hhmm(sorted[i]!), end: hhmm(sorted[i + 1]!) });
    }
    return windows;
  });

const calendarArb: fc.Arbitrary<BusinessCalendar> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    days: fc.array(windowsArb, { minLength: 7, maxLength: 7 }),
    holidays: fc.uniqueArray(fc.integer({ min: 0, max: 3 * 366 }), { maxLength: 30 }),
  })
  .map(({ timeZone, days, holidays }) => {
    const week: BusinessCalendar['week'] = {};
    days.forEach((windows, i) => {
      if (windows.length > 0 || i % 2 === 0) week[String(i + 1) as IsoWeekday] = windows;
    });
    const dates = holidays.map((d) => new Date(FROM + d * DAY).toISOString().slice(0, 10));
    return { timeZone, week, holidays: dates };
  })
  .filter((cal) => Object.values(cal.week).some((w) => w.length > 0));

const instantArb = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc
    .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY }))
    .map(([t, d]) => t + d),
);
const durationArb = fc.oneof(
  fc.integer({ min: 0, max: 60 * H }),
  fc.integer({ min: 0, max: 240 }).map((q) => q * 15 * 60_000),
);
const sorted = (...ts: number[]) => [...ts].sort((a, b) => a - b);

describe('workingTimeBetween', () => {
  it('is additive, monotone in `to`, and at most the elapsed time', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, instantArb, instantArb, (cal, x, y, z) => {
        const [a, b, c] = sorted(x, y, z) as [number, number, number];
        const ab = workingTimeBetween(cal, a, b);
        const bc = workingTimeBetween(cal, b, c);
        const ac = workingTimeBetween(cal, a, c);
        expect(ab + bc).toBe(ac);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(ac);
        expect(ab).toBeLessThanOrEqual(b - a);
        expect(workingTimeBetween(cal, c, a)).toBe(0);
      }),
    );
  });

  it('agrees with the wall clock away from DST changes', () => {
    const parts = (zone: string, t: number) => {
      const f = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        timeZoneName: 'longOffset',
      });
      return Object.fromEntries(f.formatToParts(t).map((p) => [p.type, p.value]));
    };
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    fc.assert(
      fc.property(calendarArb, instantArb, (cal, t) => {
        const before = parts(cal.timeZone, t - DAY).timeZoneName;
        fc.pre(before === parts(cal.timeZone, t + DAY).timeZoneName);
        const p = parts(cal.timeZone, t);
        const weekday = String(days.indexOf(p.weekday!) + 1) as IsoWeekday;
        const time = `${p.hour}:${p.minute}`;
        const inWindow = (cal.week[weekday] ?? []).some((w) => w.start <= time && time < w.end);
        const holiday = cal.holidays.includes(`${p.year}-${p.month}-${p.day}`);
        expect(isWorkingTime(cal, t)).toBe(inWindow && !holiday);
      }),
    );
  });
});

describe('addWorkingTime and subtractWorkingTime', () => {
  it('adds exactly: between(a, add(a, d)) === d', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, durationArb, (cal, a, d) => {
        const end = addWorkingTime(cal, a, d);
        expect(end).toBeGreaterThanOrEqual(a);
        expect(workingTimeBetween(cal, a, end)).toBe(d);
        // Earliest such instant: a millisecond less counts less.
        if (d > 0) expect(workingTimeBetween(cal, a, end - 1)).toBe(d - 1);
      }),
    );
  });

  it('add(a, between(a, b)) is at most b, with the same count', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, instantArb, (cal, x, y) => {
        const [a, b] = sorted(x, y) as [number, number];
        const counted = workingTimeBetween(cal, a, b);
        const end = addWorkingTime(cal, a, counted);
        expect(end).toBeLessThanOrEqual(b);
        expect(workingTimeBetween(cal, a, end)).toBe(counted);
      }),
    );
  });

  it('subtracts exactly, and mirrors add', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, durationArb, (cal, t, d) => {
        const start = subtractWorkingTime(cal, t, d);
        expect(start).toBeLessThanOrEqual(t);
        expect(workingTimeBetween(cal, start, t)).toBe(d);
        expect(addWorkingTime(cal, start, d)).toBeLessThanOrEqual(t);
        // subtract(add(a, d), d) is a itself when a is working time, else later (the start
        // of the first working time after a): never earlier than a.
        const back = subtractWorkingTime(cal, addWorkingTime(cal, t, d), d);
        if (isWorkingTime(cal, t) || d === 0) expect(back).toBe(t);
        else expect(back).toBeGreaterThan(t);
      }),
    );
  });

  it('nextWorkingInstant is working time with nothing counted before it', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, (cal, t) => {
        const next = nextWorkingInstant(cal, t);
        expect(next).toBeGreaterThanOrEqual(t);
        expect(isWorkingTime(cal, next)).toBe(true);
        expect(workingTimeBetween(cal, t, next)).toBe(0);
        expect(next === t).toBe(isWorkingTime(cal, t));
      }),
    );
  });

  it('is plain arithmetic for ALWAYS_OPEN', () => {
    fc.assert(
      fc.property(instantArb, instantArb, durationArb, (a, b, d) => {
        expect(addWorkingTime(ALWAYS_OPEN, a, d)).toBe(a + d);
        expect(subtractWorkingTime(ALWAYS_OPEN, b, d)).toBe(b - d);
        expect(workingTimeBetween(ALWAYS_OPEN, a, b)).toBe(Math.max(0, b - a));
      }),
    );
  });
});

describe('the SLA clock', () => {
  it('is unchanged by a pause and a resume at the same instant', () => {
    fc.assert(
      fc.property(
        calendarArb,
        instantArb,
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.integer({ min: 0, max: 20 * DAY }),
        durationArb,
        (cal, start, pauseAfter, lookAfter, target) => {
          const clock = startClock(40 * H, start);
          const t = start + pauseAfter;
          const again = resumeClock(pauseClock(cal, clock, t), t);
          const now = t + lookAfter;
          expect(countedAt(cal, again, now)).toBe(countedAt(cal, clock, now));
          if (target > countedAt(cal, clock, t)) {
            expect(instantOfCount(cal, again, target)).toBe(instantOfCount(cal, clock, target));
          }
        },
      ),
    );
  });

  it('never counts less as time goes on, whatever pauses and resumes', () => {
    const step = fc.record({ after: fc.integer({ min: 0, max: 3 * DAY }), toggle: fc.boolean() });
    fc.assert(
      fc.property(calendarArb, instantArb, fc.array(step, { maxLength: 12 }), (cal, t0, steps) => {
        let clock: CountedClock = startClock(16 * H, t0);
        let now = t0;
        let last = 0;
        for (const { after, toggle } of steps) {
          now += after;
          const counted = countedAt(cal, clock, now);
          expect(counted).toBeGreaterThanOrEqual(last);
          last = counted;
          if (toggle) {
            const next =
              clock.since === undefined ? resumeClock(clock, now) : pauseClock(cal, clock, now);
            expect(countedAt(cal, next, now)).toBe(counted);
            clock = next;
          }
        }
      }),
    );
  });
});
