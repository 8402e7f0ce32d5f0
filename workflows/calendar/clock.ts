import { addWorkingTime, workingTimeBetween, type BusinessCalendar } from './arithmetic.js';

// An SLA clock that counts working time of a business calendar and can pause: a plain,
// serialisable value (epoch ms), changed only by returning a new one. Pure and deterministic.

/** Working time counted against an SLA; running (`since`) or paused (`pausedAt`). */
export interface CountedClock {
  /** Working time allowed (ms). */
  slaMs: number;
  /** Working time counted before `since` (or before the pause). */
  countedMs: number;
  /** Running since this instant; absent while paused. */
  since?: number;
  /** Paused since this instant; absent while running. */
  pausedAt?: number;
}

/** A clock running from `at`, nothing counted yet. */
export function startClock(slaMs: number, at: number): CountedClock {
  return { slaMs, countedMs: 0, since: at };
}

/** Working time counted up to `now` (not capped: may exceed slaMs). */
export function countedAt(cal: BusinessCalendar, clock: CountedClock, now: number): number {
  if (clock.since === undefined) return clock.countedMs;
  return clock.countedMs + workingTimeBetween(cal, clock.since, now);
}

/** The clock paused at `at`, its count so far kept; the same object when already paused. */
export function pauseClock(cal: BusinessCalendar, clock: CountedClock, at: number): CountedClock {
  if (clock.since === undefined) return clock;
  return { slaMs: clock.slaMs, countedMs: countedAt(cal, clock, at), pausedAt: at };
}

/** The clock running again from `at`; the same object when already running. */
export function resumeClock(clock: CountedClock, at: number): CountedClock {
  if (clock.since !== undefined) return clock;
  return { slaMs: clock.slaMs, countedMs: clock.countedMs, since: at };
}

/**
 * The instant at which counted time reaches `targetMs` if the clock keeps running; undefined
 * while paused. When already past, the instant it was reached since `since` (`since` itself
 * when countedMs >= targetMs already).
 */
export function instantOfCount(
  cal: BusinessCalendar,
  clock: CountedClock,
  targetMs: number,
): number | undefined {
  if (clock.since === undefined) return undefined;
  if (clock.countedMs >= targetMs) return clock.since;
  return addWorkingTime(cal, clock.since, targetMs - clock.countedMs);
}

/** instantOfCount for a share of the SLA (0.6, 0.8, 0.95, 1): target Math.round(slaMs * share). */
export function thresholdInstant(
  cal: BusinessCalendar,
  clock: CountedClock,
  share: number,
): number | undefined {
  return instantOfCount(cal, clock, Math.round(clock.slaMs * share));
}

/** Working time left at `now`: max(0, slaMs - countedAt). */
export function remainingAt(cal: BusinessCalendar, clock: CountedClock, now: number): number {
  return Math.max(0, clock.slaMs - countedAt(cal, clock, now));
}
