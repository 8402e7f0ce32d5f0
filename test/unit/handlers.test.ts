import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../workflows/business/context.js';
import { classifyOutcome } from '../../workflows/business/handlers.js';
import {
  validateAssignment,
  validateDocument,
  validateHold,
  validateOutcome,
  validateResolution,
} from '../../workflows/business/validators.js';
import { newState, type BusinessWorkflowInput } from '../../workflows/business/state.js';
import { getDefinition, type WorkflowType } from '../../workflows/definitions/index.js';

// The message handlers' checks and records on a hand-built run, without a worker: what the
// Updates answer, and which refusal the API maps to which HTTP status.

function runOf(type: WorkflowType, version = 2): Run {
  const definition = getDefinition(type, version);
  const input: BusinessWorkflowInput = {
    workflowRowId: randomUUID(),
    workflowType: type,
    definitionVersion: version,
    priority: 'NORMAL',
    clientId: randomUUID(),
    metadata: {},
  };
  return {
    input,
    definition,
    rowId: input.workflowRowId,
    state: newState(input, definition),
    ladderBusy: 0,
    clockEpoch: 0,
    calendarStale: false,
    finished: false,
    published: {},
    dispatching: new Map(),
  };
}

/** The first step's attempt, dispatched (RUNNING). */
function dispatched(run: Run) {
  const attempt = run.state.steps[0]!.attempts[0]!;
  attempt.phase = 'RUNNING';
  return attempt;
}

function refusal(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    return (err as ApplicationFailure).type ?? undefined;
  }
  return undefined;
}

describe('task outcomes', () => {
  it('applies an outcome once; the same again is a duplicate, a different one stale', () => {
    const run = runOf('MUNICIPAL_LIEN_SEARCH');
    const a = dispatched(run);
    const outcome = validateOutcome(run, {
      taskExecutionId: a.taskExecutionId,
      attempt: 1,
      status: 'COMPLETED',
      output: { municipality: 'Springfield' },
    });
    expect(classifyOutcome(run, outcome).result).toBe('applied');
    expect(run.state.pendingOutcome).toEqual(outcome);
    expect(classifyOutcome(run, outcome).result).toBe('duplicate');
    const other = { ...outcome, output: { municipality: 'Shelbyville' } };
    expect(classifyOutcome(run, other).result).toBe('stale');
  });

  it('answers stale for an attempt that is not waiting for its agent', () => {
    const run = runOf('MUNICIPAL_LIEN_SEARCH');
    const a = run.state.steps[0]!.attempts[0]!; // PENDING: not dispatched yet
    const answer = classifyOutcome(run, {
      taskExecutionId: a.taskExecutionId,
      attempt: 1,
      status: 'FAILED',
      error: { message: 'x', retryable: true },
    });
    expect(answer.result).toBe('stale');
    expect(run.state.pendingOutcome).toBeUndefined();
  });

  it('refuses malformed, unknown, wrong-attempt and invalid-invoice outcomes by name', () => {
    const run = runOf('MUNICIPAL_LIEN_SEARCH');
    const a = dispatched(run);
    expect(refusal(() => validateOutcome(run, { taskExecutionId: a.taskExecutionId }))).toBe(
      'MalformedMessage',
    );
    const unknown = { taskExecutionId: randomUUID(), attempt: 1, status: 'COMPLETED', output: {} };
    expect(refusal(() => validateOutcome(run, unknown))).toBe('UnknownTaskExecution');
    const wrong = {
      taskExecutionId: a.taskExecutionId,
      attempt: 2,
      status: 'COMPLETED',
      output: {},
    };
    expect(refusal(() => validateOutcome(run, wrong))).toBe('WrongAttempt');
    const invoiceStep = run.definition.steps.findIndex((s) => s.taskType === 'generate_invoice');
    const invoiceAttempt = run.state.steps[invoiceStep]!.attempts[0]!;
    const badInvoice = {
      taskExecutionId: invoiceAttempt.taskExecutionId,
      attempt: 1,
      status: 'COMPLETED',
      output: { lines: [] },
    };
    expect(refusal(() => validateOutcome(run, badInvoice))).toBe('InvalidOutput');
  });
});

describe('escalation decisions and assignments', () => {
  function escalated(version = 2) {
    const run = runOf('MUNICIPAL_LIEN_SEARCH', version);
    const attempt = dispatched(run);
    run.state.escalation = {
      id: randomUUID(),
      stepIndex: 0,
      taskExecutionId: attempt.taskExecutionId,
      trigger: 'AGENT_NEEDS_HUMAN',
      reason: 'Which municipality?',
      openedAt: 0,
      remindersSent: 0,
      opened: true,
    };
    return { run, esc: run.state.escalation };
  }

  it("takes a manager's third-party hold only where the step's clock stops for one", () => {
    const hold = (esc: { id: string }) => ({
      escalationId: esc.id,
      userId: randomUUID(),
      onHold: true,
      note: 'Waiting on the county',
    });
    const v3 = escalated(3);
    expect(validateHold(v3.run, hold(v3.esc))).toMatchObject({ onHold: true });
    expect(refusal(() => validateHold(v3.run, hold({ id: randomUUID() })))).toBe(
      'EscalationNotOpen',
    );
    expect(refusal(() => validateHold(v3.run, { ...hold(v3.esc), onHold: 'yes' }))).toBe(
      'MalformedMessage',
    );
    // Version 2 clocks count wall-clock time and never stop: the hold is refused, not ignored.
    const v2 = escalated(2);
    expect(refusal(() => validateHold(v2.run, hold(v2.esc)))).toBe('HoldNotSupported');
  });

  it('accepts a decision on the open escalation and refuses one on another', () => {
    const { run, esc } = escalated();
    const r = { escalationId: esc.id, userId: randomUUID(), action: 'SKIP', note: 'n/a' };
    expect(validateResolution(run, r)).toEqual(r);
    expect(refusal(() => validateResolution(run, { ...r, escalationId: randomUUID() }))).toBe(
      'EscalationNotOpen',
    );
  });

  it('a second, different decision while the first is applied is AlreadyResolved; the same one passes', () => {
    const { run, esc } = escalated();
    const userId = randomUUID();
    esc.resolution = { escalationId: esc.id, userId, action: 'SKIP', note: 'n/a' };
    expect(validateResolution(run, { ...esc.resolution })).toEqual(esc.resolution);
    expect(
      refusal(() => validateResolution(run, { escalationId: esc.id, userId, action: 'RETRY' })),
    ).toBe('AlreadyResolved');
  });

  it('lets the holder hand an escalation on, refuses a third person, lets a manager override', () => {
    const { run, esc } = escalated();
    const holder = randomUUID();
    esc.assignedTo = holder;
    const other = randomUUID();
    const take = { escalationId: esc.id, assigneeId: other, assignedBy: other };
    expect(refusal(() => validateAssignment(run, take))).toBe('AlreadyAssigned');
    expect(validateAssignment(run, { ...take, assignedBy: holder }).assigneeId).toBe(other);
    expect(validateAssignment(run, { ...take, override: true }).assigneeId).toBe(other);
  });
});

describe('documents', () => {
  it('accepts the kinds the workflow waits for and refuses others as UnexpectedDocument', () => {
    const payoff = runOf('PAYOFF');
    const kind = payoff.definition.steps.find((s) => s.awaits)!.awaits!.kind;
    const doc = {
      documentId: randomUUID(),
      kind,
      filename: 'letter.pdf',
      storageUrl: 's3://bucket/letter.pdf',
      mimeType: 'application/pdf',
      source: 'EMAIL',
    };
    expect(validateDocument(payoff, doc).kind).toBe(kind);
    const lien = runOf('MUNICIPAL_LIEN_SEARCH');
    expect(refusal(() => validateDocument(lien, doc))).toBe('UnexpectedDocument');
  });
});
