import { ApplicationFailure } from '@temporalio/workflow';
import { findAttempt, type Run } from './context.js';
import { describeIssues, invoiceOutputSchema } from './invoice.js';
import {
  documentReceivedSchema,
  escalationAssignmentSchema,
  escalationHoldSchema,
  escalationResolutionSchema,
  taskOutcomeSchema,
  type DocumentReceived,
  type EscalationAssignment,
  type EscalationHold,
  type EscalationResolution,
  type RejectionType,
  type TaskOutcome,
} from './messages.js';
import type { OpenEscalation } from './state.js';

// The validators of the workflow's messages: each parses with the message's schema, then
// checks it against the run's state. A refusal is a non-retryable failure whose type the
// API turns into an HTTP status (RejectionType).

export function rejection(type: RejectionType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export function validateOutcome(run: Run, raw: unknown): TaskOutcome {
  const parsed = taskOutcomeSchema.safeParse(raw);
  if (!parsed.success)
    throw rejection('MalformedMessage', `Malformed task outcome: ${describeIssues(parsed.error)}`);
  const outcome = parsed.data;
  const found = findAttempt(run, outcome.taskExecutionId);
  if (!found)
    throw rejection(
      'UnknownTaskExecution',
      `Unknown task execution ${outcome.taskExecutionId} in this workflow.`,
    );
  if (found.attempt.attempt !== outcome.attempt) {
    throw rejection(
      'WrongAttempt',
      `Task execution ${outcome.taskExecutionId} is attempt ${found.attempt.attempt}, not ${outcome.attempt}.`,
    );
  }
  if (outcome.status === 'COMPLETED' && found.step.def.taskType === 'generate_invoice') {
    const invoice = invoiceOutputSchema.safeParse(outcome.output);
    if (!invoice.success)
      throw rejection('InvalidOutput', `Invalid invoice output: ${describeIssues(invoice.error)}`);
  }
  return outcome;
}

/** Who holds an escalation once the accepted assignments are written. */
export function holderOf(esc: OpenEscalation): string | undefined {
  return esc.pendingAssignments?.at(-1)?.assigneeId ?? esc.assignedTo;
}

export function validateAssignment(run: Run, raw: unknown): EscalationAssignment {
  const parsed = escalationAssignmentSchema.safeParse(raw);
  if (!parsed.success)
    throw rejection('MalformedMessage', `Malformed assignment: ${describeIssues(parsed.error)}`);
  const a = parsed.data;
  const open = run.state.escalation;
  if (!open || open.id !== a.escalationId || open.resolution || open.closing) {
    throw rejection(
      'EscalationNotOpen',
      `Escalation ${a.escalationId} is not open in this workflow (resolved, or not this one's).`,
    );
  }
  // Whoever holds it hands it on; nobody else takes it from them, but a manager.
  const holder = holderOf(open);
  if (holder && holder !== a.assigneeId && holder !== a.assignedBy && !a.override) {
    throw rejection(
      'AlreadyAssigned',
      `Escalation ${a.escalationId} is held by ${holder}: only they or a manager can hand it on.`,
    );
  }
  return a;
}

export function validateHold(run: Run, raw: unknown): EscalationHold {
  const parsed = escalationHoldSchema.safeParse(raw);
  if (!parsed.success)
    throw rejection('MalformedMessage', `Malformed hold: ${describeIssues(parsed.error)}`);
  const hold = parsed.data;
  const open = run.state.escalation;
  if (!open || open.id !== hold.escalationId || open.resolution || open.closing) {
    throw rejection(
      'EscalationNotOpen',
      `Escalation ${hold.escalationId} is not open in this workflow (resolved, or not this one's).`,
    );
  }
  const def = run.definition.steps[open.stepIndex]!;
  if (!def.clock?.pausesWhile.includes('THIRD_PARTY_HOLD')) {
    throw rejection(
      'HoldNotSupported',
      `${def.taskType}'s SLA clock does not stop for a third party (definition version ${run.definition.version}); it counts on.`,
    );
  }
  return hold;
}

export function validateResolution(run: Run, raw: unknown): EscalationResolution {
  const parsed = escalationResolutionSchema.safeParse(raw);
  if (!parsed.success)
    throw rejection('MalformedMessage', `Malformed resolution: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  const done = run.state.resolvedEscalations[r.escalationId];
  if (done) {
    if (done.action === r.action && done.userId === r.userId) return r;
    throw rejection(
      'AlreadyResolved',
      `Escalation ${r.escalationId} was already resolved with ${done.action}.`,
    );
  }
  const open = run.state.escalation;
  if (open?.id === r.escalationId && open.resolution) {
    if (open.resolution.action === r.action && open.resolution.userId === r.userId) return r;
    throw rejection(
      'AlreadyResolved',
      `Escalation ${r.escalationId} is already being resolved with ${open.resolution.action}.`,
    );
  }
  if (!open || open.id !== r.escalationId || open.closing) {
    throw rejection(
      'EscalationNotOpen',
      `Escalation ${r.escalationId} is not open in this workflow.`,
    );
  }
  const step = run.definition.steps[open.stepIndex]!;
  if (r.action === 'RETRY' && (r.agent || r.channel) && !step.agent) {
    throw rejection(
      'ActionNotAllowed',
      `${step.taskType} calls no agent: RETRY cannot choose an agent or channel.`,
    );
  }
  if (r.action === 'COMPLETE' && step.taskType === 'generate_invoice') {
    const invoice = invoiceOutputSchema.safeParse(r.output);
    if (!invoice.success)
      throw rejection('InvalidOutput', `Invalid invoice output: ${describeIssues(invoice.error)}`);
  }
  return r;
}

export function validateDocument(run: Run, raw: unknown): DocumentReceived {
  const parsed = documentReceivedSchema.safeParse(raw);
  if (!parsed.success)
    throw rejection('MalformedMessage', `Malformed document: ${describeIssues(parsed.error)}`);
  if (!run.definition.steps.some((s) => s.awaits?.kind === parsed.data.kind)) {
    throw rejection(
      'UnexpectedDocument',
      `A ${run.input.workflowType} workflow does not wait for ${parsed.data.kind}.`,
    );
  }
  return parsed.data;
}
