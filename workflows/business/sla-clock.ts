import { condition, uuid4 } from '@temporalio/workflow';
import { addWorkingTime, pauseClock, resumeClock, startClock } from '../calendar/index.js';
import { slaFor } from '../definitions/index.js';
import type { SlaPauseReason } from '../vocabulary.js';
import { db, reads } from './activities.js';
import { calendarOf, current, documentsOf, type Run, type Step } from './context.js';
import { audit } from './records.js';
import { thresholdAt, type SlaClock, type SlaCounting } from './state.js';
import { publish } from './status.js';

// Counting clocks (steps whose definition has an SLA clock rule, version 3 on): working time
// in the client's calendar or every hour, stopped while a third party holds the ball. The
// thresholds are instants computed from the counted time (workflows/calendar), recomputed on
// a pause, a resume, or a new calendar.

/** Whether a run reads the client's calendar: BUSINESS clocks at real time only. */
export function needsCalendar(run: Run): boolean {
  return (
    (run.input.timeScale ?? 1) === 1 &&
    run.definition.steps.some((def) => def.clock?.counts === 'BUSINESS')
  );
}

/** Reads the client's calendar into the run (its first run, before anything is planned). */
export async function loadCalendar(run: Run): Promise<void> {
  run.state.calendar = await reads.readCalendar({ clientId: run.input.clientId });
}

/**
 * The run's due instant if every step from `index` on takes its whole SLA, the first of them
 * starting at `from`: what RexeraDueAt and workflows.due_at say.
 */
export function plannedDue(run: Run, index: number, from: number): number {
  let at = from;
  for (const def of run.definition.steps.slice(index)) {
    const sla = slaFor(def, run.input.priority);
    at =
      def.clock?.counts === 'BUSINESS' && run.state.calendar
        ? addWorkingTime(run.state.calendar, at, sla)
        : at + sla;
  }
  return at;
}

/** The counting part of a new step's clock, and its due instant (undefined: the code before). */
export function countingFor(
  step: Step,
  startedAt: number,
): { counting: SlaCounting; dueAt: number } | undefined {
  const rule = step.def.clock;
  if (!rule) return undefined;
  const calendar = step.run.state.calendar;
  const counting: SlaCounting = {
    counts: rule.counts === 'BUSINESS' && calendar ? 'BUSINESS' : 'CALENDAR',
    clock: startClock(slaFor(step.def, step.run.input.priority), startedAt),
  };
  const dueAt = thresholdAt({ startedAt, dueAt: startedAt, counting }, 'BREACHED', calendar)!;
  return { counting, dueAt };
}

/** Why the step's clock should be stopped now, if it should. */
function pauseReasonOf(step: Step): SlaPauseReason | undefined {
  const { run, def } = step;
  const allowed = def.clock?.pausesWhile ?? [];
  const esc = run.state.escalation;
  if (allowed.includes('THIRD_PARTY_HOLD') && esc?.stepIndex === step.index && esc.hold) {
    return 'THIRD_PARTY_HOLD';
  }
  const waitingFor = def.awaits?.kind;
  if (
    allowed.includes('INBOUND_WAIT') &&
    waitingFor !== undefined &&
    current(step.state).phase === 'WAITING' &&
    documentsOf(run, waitingFor).length === 0
  ) {
    return 'INBOUND_WAIT';
  }
  return undefined;
}

/** Whether the step's clock should stop or run again (syncPause would change it). */
export function clockOutOfStep(step: Step): boolean {
  const c = step.state.sla?.counting;
  return c !== undefined && c.pause?.reason !== pauseReasonOf(step);
}

/**
 * Stops or restarts the step's clock as its state asks (called by the step loop after each
 * phase): each pause and each resume is a row of sla_pauses and an audit event.
 */
export async function syncPause(step: Step): Promise<void> {
  const clock = step.state.sla;
  const c = clock?.counting;
  if (!clock || !c) return;
  const want = pauseReasonOf(step);
  if (c.pause?.reason === want) return;
  if (c.pause) await resume(step, clock, c);
  if (want) await pause(step, clock, c, want);
}

async function pause(step: Step, clock: SlaClock, c: SlaCounting, reason: SlaPauseReason) {
  const { run } = step;
  const at = Date.now();
  const counted = pauseClock(calendarOf(run, clock), c.clock, at);
  const esc = run.state.escalation;
  const hold = reason === 'THIRD_PARTY_HOLD' ? esc?.hold : undefined;
  const id = uuid4();
  await db.pauseSlaClock({
    pauseId: id,
    slaId: clock.slaId,
    workflowRowId: run.rowId,
    reason,
    note: hold?.note,
    pausedBy: hold?.userId,
    at,
    countedMs: counted.countedMs,
    audit: audit(
      'sla.paused',
      'sla_tracking',
      clock.slaId,
      { reason, taskType: step.def.taskType, countedMs: counted.countedMs },
      hold ? { actorType: 'HUMAN', actorId: hold.userId } : undefined,
    ),
  });
  c.clock = counted;
  c.pause = { id, reason, at };
  run.clockEpoch++;
  publish(run);
}

async function resume(step: Step, clock: SlaClock, c: SlaCounting) {
  const { run } = step;
  const at = Date.now();
  const pause = c.pause!;
  const counted = resumeClock(c.clock, at);
  const dueAt = thresholdAt(
    { ...clock, counting: { ...c, clock: counted } },
    'BREACHED',
    run.state.calendar,
  )!;
  const workflowDueAt = plannedDue(run, step.index + 1, dueAt);
  await db.resumeSlaClock({
    pauseId: pause.id,
    slaId: clock.slaId,
    workflowRowId: run.rowId,
    at,
    dueAt,
    workflowDueAt,
    audit: audit('sla.resumed', 'sla_tracking', clock.slaId, {
      reason: pause.reason,
      taskType: step.def.taskType,
      pausedMs: at - pause.at,
      dueAt: new Date(dueAt).toISOString(),
    }),
  });
  c.clock = counted;
  c.pause = undefined;
  clock.dueAt = dueAt;
  run.state.dueAt = workflowDueAt;
  run.clockEpoch++;
  publish(run);
}

/**
 * Reads the client's calendar again (a calendarChanged signal came, or a threshold is due and
 * a signal may have been lost); if it changed, the clock's due instant moves. True if it did.
 */
export async function refreshCalendar(step: Step): Promise<boolean> {
  const { run } = step;
  run.calendarStale = false;
  const before = run.state.calendar;
  if (!before) return false;
  const fresh = await reads.readCalendar({ clientId: run.input.clientId });
  if (fresh.id === before.id && fresh.version === before.version) return false;
  run.state.calendar = fresh;
  run.clockEpoch++;
  const clock = step.state.sla;
  if (clock?.counting?.counts === 'BUSINESS') {
    const dueAt = thresholdAt(clock, 'BREACHED', fresh);
    // While paused, the due instant is set when the clock resumes.
    if (dueAt !== undefined) {
      const workflowDueAt = plannedDue(run, step.index + 1, dueAt);
      await db.moveSlaDue({
        slaId: clock.slaId,
        workflowRowId: run.rowId,
        dueAt,
        workflowDueAt,
        calendarId: fresh.id,
        audit: audit('sla.calendar_changed', 'sla_tracking', clock.slaId, {
          calendarId: fresh.id,
          version: fresh.version,
          dueAt: new Date(dueAt).toISOString(),
        }),
      });
      clock.dueAt = dueAt;
      run.state.dueAt = workflowDueAt;
    }
  }
  publish(run);
  return true;
}

/** Where a ladder waits for a counting clock's threshold (see waitForThreshold). */
export type Sleeper = (at: number, changed: () => boolean) => Promise<boolean>;

/**
 * The instant the clock reaches `share` of its SLA, once it has come with nothing moved in the
 * meantime: a pause, a resume or a new calendar starts the wait again. A due BUSINESS threshold
 * re-reads the calendar first (a calendarChanged signal is delivered at most once).
 */
export async function waitForThreshold(
  step: Step,
  level: Parameters<typeof thresholdAt>[1],
  sleepUntil: Sleeper,
): Promise<number> {
  const { run } = step;
  const clock = step.state.sla!;
  for (;;) {
    if (run.calendarStale) {
      await refreshCalendar(step);
      continue;
    }
    const epoch = run.clockEpoch;
    const changed = () => run.clockEpoch !== epoch || run.calendarStale;
    const at = thresholdAt(clock, level, calendarOf(run, clock));
    if (at === undefined) {
      await condition(changed);
      continue;
    }
    if (!(await sleepUntil(at, changed))) continue;
    if (clock.counting?.counts === 'BUSINESS' && (await refreshCalendar(step))) continue;
    return at;
  }
}
