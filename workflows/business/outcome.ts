import { condition, log } from '@temporalio/workflow';
import { addAttempt, finish } from './attempt.js';
import {
  outcomeFor,
  raiseEscalation,
  takeOutcome,
  type Run,
  type Step,
  type StepResult,
} from './context.js';
import { afterOutcome, attemptResultOf } from './decisions.js';
import type { TaskOutcome } from './messages.js';
import { agentActor, SYSTEM, type Actor } from './records.js';
import type { Attempt } from './state.js';

// A dispatched attempt: wait for the agent's outcome (until its deadline), record it, and
// act on what decisions.ts says comes next.

/**
 * Waits for the agent's outcome until the attempt's deadline; escalates when the SLA goes RED
 * first. An outcome that comes with the deadline still counts.
 */
export async function running(step: Step, attempt: Attempt): Promise<StepResult> {
  const { run, def, state: s } = step;
  const due = attempt.outcomeDueAt;
  const arrived = () => outcomeFor(run, attempt) !== undefined || s.slaRedPending;
  if (due === undefined) await condition(arrived);
  else await condition(arrived, Math.max(1, due - Date.now()));
  const outcome = takeOutcome(run, attempt);
  if (outcome) return applyOutcome(step, attempt, outcome);
  if (s.slaRedPending) {
    return raiseEscalation(
      step,
      'SLA_RED',
      `${def.title}: no result from ${attempt.agent} after 95% of the SLA.`,
    );
  }
  return applyOutcome(step, attempt, lostOutcome(run, attempt, due!), SYSTEM);
}

/**
 * The outcome recorded for an attempt whose own never came by its deadline: FAILED and
 * retryable. Recorded as applied at once, so the real one, should it come late, is `stale`.
 */
function lostOutcome(run: Run, attempt: Attempt, due: number): TaskOutcome {
  const lost: TaskOutcome = {
    taskExecutionId: attempt.taskExecutionId,
    attempt: attempt.attempt,
    status: 'FAILED',
    error: {
      message: `No outcome from the agent (${attempt.agent ?? 'unknown'}) by its deadline, ${new Date(due).toISOString()}: the attempt is counted as lost.`,
      retryable: true,
      code: 'NO_OUTCOME',
    },
  };
  run.state.appliedOutcomes[attempt.taskExecutionId] = JSON.stringify(lost);
  log.warn('no outcome by the deadline; the attempt counts as lost', {
    taskExecutionId: attempt.taskExecutionId,
    attempt: attempt.attempt,
  });
  return lost;
}

/** Records an outcome (by default as the agent's own), then done, retry or escalate. */
async function applyOutcome(
  step: Step,
  attempt: Attempt,
  outcome: TaskOutcome,
  reporter: Actor = agentActor(attempt),
): Promise<StepResult> {
  await finish(step, attempt, attemptResultOf(outcome), reporter);
  const next = afterOutcome(step.def, attempt, outcome);
  switch (next.kind) {
    case 'done':
      return 'done';
    case 'escalate':
      return raiseEscalation(step, next.trigger, next.reason);
    case 'retry': {
      // Durable backoff; the SLA ladder keeps running and may escalate first.
      const redFirst = await condition(() => step.state.slaRedPending, next.backoffMs);
      if (redFirst) {
        return raiseEscalation(step, 'SLA_RED', `${step.def.title}: SLA at 95% while retrying.`);
      }
      await addAttempt(step);
      return 'continue';
    }
  }
}
