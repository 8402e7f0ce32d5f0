import {
  CancellationScope,
  condition,
  isCancellation,
  patched,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import { slaFor } from '../definitions/index.js';
import { db } from './activities.js';
import { REACHED_SLA_LEVELS, SLA_THRESHOLDS } from '../vocabulary.js';
import type { Step } from './context.js';
import { audit, notification, slaClockRow } from './records.js';
import { countingFor, waitForThreshold } from './sla-clock.js';
import { thresholdAt, type StepState } from './state.js';
import { publish } from './status.js';

// The SLA ladder of a step: durable timers at 60/80/95/100% of its SLA.

/** How far ahead of a threshold its timer's first part ends, at most (see sleepUntil). */
const LEAD_MS = 10_000;

/**
 * Sleeps until workflow time `at`. The server starts a timer when the workflow task that asked
 * for it completes, and a task that runs local activities (the step-boundary writes, or the
 * level just written) completes that much later, under load seconds later: the alert would be
 * late by as much. In two parts, the first ends a little early and the second, asked for by a
 * task of its own (a timer firing, nothing else to do), ends on time.
 */
async function sleepUntil(at: number, twoPart: boolean): Promise<void> {
  const remaining = at - Date.now();
  // Only for a wait of more than 4 s: the second part is then 2 s at least (the dev server
  // fires a timer shorter than a second only after about a second).
  if (twoPart && remaining > 4_000) await sleep(remaining - Math.min(LEAD_MS, remaining / 2));
  if (at > Date.now()) await sleep(at - Date.now());
}

/**
 * sleepUntil for a counting clock, which also ends when `changed` turns true (a pause, a
 * resume, a new calendar): false then, true when `at` came.
 */
async function sleepUntilUnless(
  at: number,
  twoPart: boolean,
  changed: () => boolean,
): Promise<boolean> {
  const remaining = at - Date.now();
  if (twoPart && remaining > 4_000) {
    if (await condition(changed, remaining - Math.min(LEAD_MS, remaining / 2))) return false;
  }
  if (at > Date.now() && (await condition(changed, at - Date.now()))) return false;
  return !changed();
}

/** Starts the step's SLA clock (once: its first attempt starts it), with every ID it will write. */
export function openSlaClock(step: Step): void {
  const s = step.state;
  if (s.sla) return;
  const startedAt = Date.now();
  const ids = Object.fromEntries(
    REACHED_SLA_LEVELS.map((l) => [l, { audit: uuid4(), notification: uuid4() }]),
  ) as NonNullable<StepState['sla']>['ids'];
  const counted = countingFor(step, startedAt);
  s.sla = {
    slaId: uuid4(),
    startedAt,
    dueAt: counted?.dueAt ?? startedAt + slaFor(step.def, step.run.input.priority),
    reached: [],
    ids,
    ...(counted ? { counting: counted.counting } : {}),
  };
}

/** Runs the step's remaining levels on durable timers until cancelled (the step ended). */
export function runLadder(step: Step): { stop: () => Promise<void> } {
  const { run, def, state: s } = step;
  const clock = s.sla!;
  const scope = new CancellationScope();
  const running = scope.run(async () => {
    // Histories from before replay with one timer per level.
    const twoPart = patched('sla-timers-in-two-parts');
    for (const level of REACHED_SLA_LEVELS) {
      if (clock.reached.includes(level)) continue;
      let at: number;
      if (clock.counting) {
        at = await waitForThreshold(step, level, (t, changed) =>
          sleepUntilUnless(t, twoPart, changed),
        );
      } else {
        at = thresholdAt(clock, level)!;
        await sleepUntil(at, twoPart);
      }
      run.ladderBusy++;
      try {
        const taskExecutionId = s.attempts[0]!.taskExecutionId;
        const pct = Math.round(SLA_THRESHOLDS[level] * 100);
        const notify =
          level === 'ORANGE'
            ? notification(
                run,
                'SLA_ALERT',
                'HIL',
                `SLA ORANGE: ${def.taskType}`,
                `${def.title} has used ${pct}% of its SLA.`,
                { taskExecutionId, slaLevel: level },
              )
            : level === 'BREACHED'
              ? notification(
                  run,
                  'MANAGER_NOTICE',
                  'MANAGERS',
                  `SLA BREACHED: ${def.taskType}`,
                  `${def.title} missed its SLA (due ${new Date(clock.dueAt).toISOString()}).`,
                  { taskExecutionId, slaLevel: level },
                )
              : undefined;
        await CancellationScope.nonCancellable(() =>
          db.recordSlaLevel({
            slaId: clock.slaId,
            workflowRowId: run.rowId,
            level,
            reachedAt: at,
            clock: { taskExecutionId, ...slaClockRow(run, clock) },
            notification: notify && { ...notify, id: clock.ids[level].notification, at },
            audit: {
              ...audit('sla.level_reached', 'sla_tracking', clock.slaId, {
                level,
                taskType: def.taskType,
                percent: pct,
              }),
              id: clock.ids[level].audit,
              at,
            },
          }),
        );
        clock.reached.push(level);
        if (level === 'RED' && !run.state.escalation) s.slaRedPending = true;
        publish(run);
      } finally {
        run.ladderBusy--;
      }
    }
  });
  // Marked handled at once: a cancelled ladder must never count as an unhandled rejection.
  running.catch(() => undefined);
  return {
    stop: async () => {
      scope.cancel();
      await running.catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
    },
  };
}
