import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  afterOutcome,
  attemptResultOf,
  escalationEvent,
  type EscalationWake,
} from '../../workflows/business/decisions.js';
import type { TaskOutcome } from '../../workflows/business/messages.js';
import { getDefinition } from '../../workflows/definitions/index.js';

// What the business workflow decides, without a worker: the functions the phases act on.

const def = getDefinition('MUNICIPAL_LIEN_SEARCH', 2).steps[0]!;
const id = randomUUID();
const completed: TaskOutcome = {
  taskExecutionId: id,
  attempt: 1,
  status: 'COMPLETED',
  output: { a: 1 },
};
const failed = (retryable: boolean, attempt = 1): TaskOutcome => ({
  taskExecutionId: id,
  attempt,
  status: 'FAILED',
  error: { message: 'portal down', retryable },
});
const needsHuman: TaskOutcome = {
  taskExecutionId: id,
  attempt: 1,
  status: 'NEEDS_HUMAN',
  reason: 'Two municipalities match',
};

describe('afterOutcome: what a step does after its agent reported', () => {
  it('is done on COMPLETED', () => {
    expect(afterOutcome(def, { attempt: 1 }, completed)).toEqual({ kind: 'done' });
  });

  it('escalates AGENT_NEEDS_HUMAN with the agent reason', () => {
    expect(afterOutcome(def, { attempt: 1 }, needsHuman)).toEqual({
      kind: 'escalate',
      trigger: 'AGENT_NEEDS_HUMAN',
      reason: 'Two municipalities match',
    });
  });

  it('escalates a non-retryable failure at once, whatever attempts are left', () => {
    expect(afterOutcome(def, { attempt: 1 }, failed(false))).toEqual({
      kind: 'escalate',
      trigger: 'NON_RETRYABLE_FAILURE',
      reason: 'portal down',
    });
  });

  it('retries a retryable failure with the definition backoff, growing per attempt', () => {
    const first = afterOutcome(def, { attempt: 1 }, failed(true));
    const second = afterOutcome(def, { attempt: 2 }, failed(true, 2));
    expect(first).toEqual({ kind: 'retry', backoffMs: def.retry.initialBackoff });
    expect(second).toEqual({
      kind: 'retry',
      backoffMs: Math.min(
        def.retry.maxBackoff,
        def.retry.initialBackoff * def.retry.backoffCoefficient,
      ),
    });
  });

  it('escalates RETRIES_EXHAUSTED on the last allowed attempt, naming the count and the last error', () => {
    const last = def.retry.maxAttempts;
    expect(afterOutcome(def, { attempt: last }, failed(true, last))).toEqual({
      kind: 'escalate',
      trigger: 'RETRIES_EXHAUSTED',
      reason: `${last} attempts failed; last: portal down`,
    });
  });
});

describe('attemptResultOf: how an outcome ends its attempt row', () => {
  it('records COMPLETED with its output, FAILED with its error, NEEDS_HUMAN as a non-retryable failure', () => {
    expect(attemptResultOf(completed)).toEqual({ status: 'COMPLETED', output: { a: 1 } });
    expect(attemptResultOf(failed(true))).toEqual({
      status: 'FAILED',
      error: { message: 'portal down', retryable: true },
    });
    expect(attemptResultOf(needsHuman)).toEqual({
      status: 'FAILED',
      error: { message: 'Agent asked for a human: Two municipalities match', retryable: false },
    });
  });
});

describe('escalationEvent: what woke an open escalation', () => {
  const quiet: EscalationWake = { timedOut: false, documentsArrived: false };
  const assignment = {
    escalationId: randomUUID(),
    assigneeId: randomUUID(),
    assignedBy: randomUUID(),
  };
  const resolution = {
    escalationId: assignment.escalationId,
    userId: assignment.assigneeId,
    action: 'SKIP' as const,
    note: 'not needed',
  };

  it('writes an assignment first, even when a decision came with it', () => {
    expect(escalationEvent({ ...quiet, assignment, resolution, outcome: completed })).toEqual({
      kind: 'assigned',
      assignment,
    });
  });

  it('takes the decision before a late result of the agent', () => {
    expect(escalationEvent({ ...quiet, resolution, outcome: completed })).toEqual({
      kind: 'decided',
      resolution,
    });
  });

  it('supersedes the escalation on a late COMPLETED result or on the documents arriving', () => {
    expect(escalationEvent({ ...quiet, outcome: completed })).toEqual({
      kind: 'done-anyway',
      outcome: completed,
    });
    expect(escalationEvent({ ...quiet, documentsArrived: true })).toEqual({ kind: 'done-anyway' });
  });

  it('records a late failure and keeps waiting', () => {
    expect(escalationEvent({ ...quiet, outcome: needsHuman })).toEqual({
      kind: 'failed-again',
      outcome: needsHuman,
    });
  });

  it('reminds only when the wait timed out with nothing else', () => {
    expect(escalationEvent({ ...quiet, timedOut: true })).toEqual({ kind: 'reminder-due' });
    expect(escalationEvent({ ...quiet, timedOut: true, outcome: failed(true) })).toEqual({
      kind: 'failed-again',
      outcome: failed(true),
    });
    expect(escalationEvent(quiet)).toBeUndefined();
  });
});
