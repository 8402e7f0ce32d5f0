import { backoffBefore, type StepDefinition } from '../definitions/index.js';
import type { EscalationAssignment, EscalationResolution, TaskOutcome } from './messages.js';
import type { Attempt, OpenEscalation } from './state.js';

// The decisions of the business workflow, as pure functions of plain data: no Temporal API,
// no activity, no clock. The phases act on what these return; test/unit tests them without
// a worker. Changing what one returns changes the commands a workflow issues: that goes
// behind patched(), like any other change to workflow code.

/** How an attempt ends in its task_executions row. */
export type AttemptResult =
  | { status: 'COMPLETED'; output?: Record<string, unknown> }
  | { status: 'FAILED'; error: { message: string; retryable: boolean } }
  | { status: 'CANCELLED' };

/** What a step does after its attempt's outcome is recorded. */
export type AfterOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; backoffMs: number }
  | { kind: 'escalate'; trigger: OpenEscalation['trigger']; reason: string };

/** How an agent's outcome is recorded on its attempt. */
export function attemptResultOf(outcome: TaskOutcome): AttemptResult {
  switch (outcome.status) {
    case 'COMPLETED':
      return { status: 'COMPLETED', output: outcome.output };
    case 'NEEDS_HUMAN':
      return {
        status: 'FAILED',
        error: { message: `Agent asked for a human: ${outcome.reason}`, retryable: false },
      };
    case 'FAILED':
      return { status: 'FAILED', error: outcome.error };
  }
}

/** What the step does after `outcome` ended `attempt`: done, retry after a backoff, or escalate. */
export function afterOutcome(
  def: StepDefinition,
  attempt: Pick<Attempt, 'attempt'>,
  outcome: TaskOutcome,
): AfterOutcome {
  if (outcome.status === 'COMPLETED') return { kind: 'done' };
  if (outcome.status === 'NEEDS_HUMAN') {
    return { kind: 'escalate', trigger: 'AGENT_NEEDS_HUMAN', reason: outcome.reason };
  }
  if (!outcome.error.retryable) {
    return { kind: 'escalate', trigger: 'NON_RETRYABLE_FAILURE', reason: outcome.error.message };
  }
  if (attempt.attempt >= def.retry.maxAttempts) {
    return {
      kind: 'escalate',
      trigger: 'RETRIES_EXHAUSTED',
      reason: `${attempt.attempt} attempts failed; last: ${outcome.error.message}`,
    };
  }
  return { kind: 'retry', backoffMs: backoffBefore(def, attempt.attempt + 1) };
}

/** What woke an open escalation's wait, in the order it is acted on. */
export type EscalationEvent =
  /** Someone took it or handed it on (written even when a decision came with it). */
  | { kind: 'assigned'; assignment: EscalationAssignment }
  /** HIL staff decided. */
  | { kind: 'decided'; resolution: EscalationResolution }
  /** The work got done without HIL: the agent's late result, or the documents waited for. */
  | { kind: 'done-anyway'; outcome?: Extract<TaskOutcome, { status: 'COMPLETED' }> }
  /** The agent failed (again) while the escalation is open: recorded, the wait goes on. */
  | { kind: 'failed-again'; outcome: Exclude<TaskOutcome, { status: 'COMPLETED' }> }
  /** A hold was put or lifted: the step's SLA clock stops or runs again. */
  | { kind: 'clock-changed' }
  /** The reminder interval passed with nothing else. */
  | { kind: 'reminder-due' };

/** What an escalation's wait saw when it woke (or timed out). */
export interface EscalationWake {
  timedOut: boolean;
  /** The first assignment accepted and not yet written. */
  assignment?: EscalationAssignment;
  resolution?: EscalationResolution;
  /** The current attempt's pending outcome, if any. */
  outcome?: TaskOutcome;
  /** The step waits for documents and they arrived. */
  documentsArrived: boolean;
  /** The step's SLA clock should stop or run again (a hold put or lifted). */
  clockChanged?: boolean;
}

/** The one event a wake means; undefined when nothing holds (wait again). */
export function escalationEvent(wake: EscalationWake): EscalationEvent | undefined {
  if (wake.assignment) return { kind: 'assigned', assignment: wake.assignment };
  if (wake.resolution) return { kind: 'decided', resolution: wake.resolution };
  if (wake.outcome?.status === 'COMPLETED') return { kind: 'done-anyway', outcome: wake.outcome };
  // A waiting attempt has no outcome: handlers only accept outcomes of dispatched attempts.
  if (wake.documentsArrived) return { kind: 'done-anyway' };
  if (wake.outcome) return { kind: 'failed-again', outcome: wake.outcome };
  if (wake.clockChanged) return { kind: 'clock-changed' };
  if (wake.timedOut) return { kind: 'reminder-due' };
  return undefined;
}
