// Business calendars for SLA clocks: working-time arithmetic, the pausable SLA clock and the
// US federal holidays. Pure and deterministic, for workflow code.

export {
  ALWAYS_OPEN,
  addWorkingTime,
  assertValidCalendar,
  isAlwaysOpen,
  isWorkingTime,
  nextWorkingInstant,
  subtractWorkingTime,
  workingTimeBetween,
  type BusinessCalendar,
  type IsoWeekday,
  type WorkingWindow,
} from './arithmetic.js';
export {
  countedAt,
  instantOfCount,
  pauseClock,
  remainingAt,
  resumeClock,
  startClock,
  thresholdInstant,
  type CountedClock,
} from './clock.js';
export {
  DEFAULT_CALENDAR_YEARS,
  defaultBusinessCalendar,
  usFederalHolidays,
  type Holiday,
} from './us-federal-holidays.js';
