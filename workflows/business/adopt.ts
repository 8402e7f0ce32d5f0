import { uuid4 } from '@temporalio/workflow';
import { startClock } from '../calendar/index.js';
import { outcomeDeadline, slaFor, type WorkflowDefinition } from '../definitions/index.js';
import { REACHED_SLA_LEVELS, type ReachedSlaLevel } from '../vocabulary.js';
import type { AdoptedFacts, AdoptedStep } from './adoption-facts.js';
import {
  newState,
  thresholdAt,
  type Attempt,
  type BusinessState,
  type BusinessWorkflowInput,
  type SlaClock,
} from './state.js';

export type { AdoptedFacts, AdoptedStep } from './adoption-facts.js';

// Adoption (the cut-over from the poller): a workflow that takes over a row the old design
// started, from the facts read out of its rows (the adopt CLI, src/adopt/). Pure: the facts are
// the workflow's input, so the state they give is the same on every replay.

const PHASES: Record<
  AdoptedFacts['steps'][number]['attempts'][number]['status'],
  Attempt['phase']
> = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  WAITING: 'WAITING',
  COMPLETED: 'DONE',
  FAILED: 'DONE',
  SKIPPED: 'DONE',
  CANCELLED: 'DONE',
};

/**
 * The state of a workflow that adopts a row at workflow time `now`: completed steps done
 * (their outputs kept for the steps after), the first unfinished one resumed as it stood:
 * a dispatched attempt waits for its outcome (until its deadline from when it really started),
 * a wait goes on, a failed attempt opens its escalation (once: an open one is taken over), and
 * its SLA clock runs from when the task really started, the levels already passed reached.
 */
export function adoptedState(
  input: BusinessWorkflowInput,
  definition: WorkflowDefinition,
  facts: AdoptedFacts,
  now: number,
): BusinessState {
  const state = newState(input, definition);
  state.startedAt = facts.startedAt;
  if (facts.dueAt !== undefined) state.dueAt = facts.dueAt;
  for (const f of facts.steps) {
    const s = state.steps[f.index];
    if (!s || f.attempts.length === 0) continue;
    s.attempts = f.attempts.map((a) => ({
      taskExecutionId: a.taskExecutionId,
      attempt: a.attempt,
      executor: a.executor,
      phase: PHASES[a.status],
      agent: a.agent,
      channel: a.channel,
    }));
    const completed = f.attempts.find((a) => a.status === 'COMPLETED');
    if (completed) {
      s.status = 'COMPLETED';
      state.outputs[definition.steps[f.index]!.taskType] = completed.output ?? {};
    } else if (f.attempts.some((a) => a.status === 'SKIPPED')) s.status = 'SKIPPED';
  }
  state.stepIndex = state.steps.findIndex(
    (s) => s.status !== 'COMPLETED' && s.status !== 'SKIPPED',
  );
  if (state.stepIndex === -1) state.stepIndex = state.steps.length;
  const current = facts.steps.find((f) => f.index === state.stepIndex);
  if (current && current.attempts.length > 0) resume(state, definition, input, current, now);
  return state;
}

/** The first unfinished step, as it stood. */
function resume(
  state: BusinessState,
  definition: WorkflowDefinition,
  input: BusinessWorkflowInput,
  f: AdoptedStep,
  now: number,
): void {
  const def = definition.steps[f.index]!;
  const s = state.steps[f.index]!;
  const last = f.attempts.at(-1)!;
  const attempt = s.attempts.at(-1)!;
  const started = f.attempts.find((a) => a.startedAt !== undefined)?.startedAt;
  if (f.sla || started !== undefined)
    s.sla = backDated(f, started ?? now, slaFor(def, input.priority), now);
  s.slaRedPending = false;
  if (last.status === 'RUNNING') {
    s.status = 'RUNNING';
    // The old design dispatched it: its outcome may still come, until its deadline.
    attempt.outcomeDueAt = Math.max(now, (last.startedAt ?? now) + outcomeDeadline(def));
  } else if (last.status === 'WAITING') {
    s.status = 'WAITING';
    if (def.awaits) s.nextFollowUpAt = (last.startedAt ?? now) + def.awaits.followUpEvery;
  } else if (last.status === 'FAILED' || last.status === 'CANCELLED') {
    s.status = 'ESCALATED';
    state.escalation = f.escalation
      ? {
          id: f.escalation.id,
          stepIndex: f.index,
          taskExecutionId: last.taskExecutionId,
          trigger: f.escalation.trigger,
          reason: f.escalation.reason,
          openedAt: f.escalation.openedAt,
          remindersSent: 0,
          opened: true,
          assignedTo: f.escalation.assignedTo,
        }
      : {
          id: uuid4(),
          stepIndex: f.index,
          taskExecutionId: last.taskExecutionId,
          trigger: last.error?.retryable === false ? 'NON_RETRYABLE_FAILURE' : 'RETRIES_EXHAUSTED',
          reason: `Adopted from the previous system: ${last.error?.message ?? 'the last attempt failed'}.`,
          openedAt: now,
          remindersSent: 0,
          opened: false,
        };
  }
}

/**
 * The step's clock from when it really started: the old clock's span (its due time kept), or
 * else the definition's SLA from the first attempt's start. Counted every hour: the original
 * clock, not a calendar one. Levels whose threshold has passed are reached already.
 */
function backDated(f: AdoptedStep, startedAt: number, slaMs: number, now: number): SlaClock {
  const start = f.sla?.startedAt ?? startedAt;
  const due = f.sla?.dueAt ?? start + slaMs;
  const clock: SlaClock = {
    slaId: f.sla?.id ?? uuid4(),
    startedAt: start,
    dueAt: due,
    reached: [],
    ids: Object.fromEntries(
      REACHED_SLA_LEVELS.map((l) => [l, { audit: uuid4(), notification: uuid4() }]),
    ) as SlaClock['ids'],
    counting: { counts: 'CALENDAR', clock: startClock(Math.max(1, due - start), start) },
  };
  for (const level of REACHED_SLA_LEVELS) {
    if (f.sla?.reached[level] !== undefined || thresholdAt(clock, level)! <= now) {
      clock.reached.push(level);
    }
  }
  return clock;
}

/** The levels an adopted clock reached before adoption that the old design did not record. */
export function levelsToRecord(
  clock: SlaClock,
  f: AdoptedStep | undefined,
): { level: ReachedSlaLevel; at: number }[] {
  return clock.reached
    .filter((level) => f?.sla?.reached[level] === undefined)
    .map((level) => ({ level, at: thresholdAt(clock, level)! }));
}
