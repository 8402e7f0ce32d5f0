import { ApplicationFailure, log, setHandler, uuid4 } from '@temporalio/workflow';
import { describeIssues, invoiceOutputSchema } from './invoice.js';
import {
  assignEscalationUpdate,
  cancelRequestedSignal,
  cancelRequestSchema,
  documentReceivedSchema,
  documentReceivedSignal,
  documentReceivedUpdate,
  escalationAssignmentSchema,
  escalationResolutionSchema,
  resolveEscalationUpdate,
  statusQuery,
  taskOutcomeSchema,
  taskOutcomeSignal,
  taskOutcomeUpdate,
  type AssignmentAnswer,
  type DocumentAnswer,
  type DocumentReceived,
  type EscalationAssignment,
  type EscalationResolution,
  type RejectionType,
  type ResolutionAnswer,
  type TaskOutcome,
  type TaskOutcomeAnswer,
} from './messages.js';
import { updateInThisTask } from './activities.js';
import { current, findAttempt, type Run } from './context.js';
import type { OpenEscalation } from './state.js';
import { status } from './status.js';

// Message handlers only check and record; the main flow acts on what they recorded.

function rejection(type: RejectionType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Installs every handler of the business workflow. */
export function installHandlers(run: Run): void {
  // Update handlers take the argument their validator accepted as it is: validators do not
  // run on replay, so a handler that parsed again would turn a schema tightened since into a
  // workflow task that fails on every replay.
  setHandler(
    taskOutcomeUpdate,
    (outcome) => {
      updateInThisTask();
      return classifyOutcome(run, outcome);
    },
    {
      validator: (raw) => void validateOutcome(run, raw),
    },
  );
  setHandler(taskOutcomeSignal, (raw) => {
    try {
      const answer = classifyOutcome(run, validateOutcome(run, raw));
      log.info('task outcome by signal', { ...answer });
    } catch (err) {
      log.warn('task outcome signal dropped', { error: String(err) });
    }
  });
  setHandler(
    resolveEscalationUpdate,
    (r): ResolutionAnswer => {
      updateInThisTask();
      if (run.state.resolvedEscalations[r.escalationId] || run.state.escalation?.resolution) {
        return {
          result: 'duplicate',
          escalationId: r.escalationId,
          message: 'Already resolved this way.',
        };
      }
      run.state.escalation!.resolution = r;
      return { result: 'applied', escalationId: r.escalationId, message: `${r.action} accepted.` };
    },
    { validator: (raw) => void validateResolution(run, raw) },
  );
  setHandler(
    assignEscalationUpdate,
    (a): AssignmentAnswer => {
      updateInThisTask();
      const esc = run.state.escalation!;
      if (holderOf(esc) === a.assigneeId) {
        return {
          result: 'duplicate',
          escalationId: a.escalationId,
          message: 'Already assigned to this person.',
        };
      }
      (esc.pendingAssignments ??= []).push(a);
      return {
        result: 'applied',
        escalationId: a.escalationId,
        message: `Assigned to ${a.assigneeId}.`,
      };
    },
    { validator: (raw) => void validateAssignment(run, raw) },
  );
  setHandler(
    documentReceivedUpdate,
    (doc) => {
      updateInThisTask();
      return receiveDocument(run, doc);
    },
    {
      validator: (raw) => void validateDocument(run, raw),
    },
  );
  setHandler(cancelRequestedSignal, (raw) => {
    const parsed = cancelRequestSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('cancel request signal dropped', { error: parsed.error.message });
      return;
    }
    // The latest request names who cancelled. (Should the cancel after it have failed, the
    // request stays: a later cancel from the Temporal UI is then recorded as theirs.)
    run.state.cancelRequest = parsed.data;
  });
  setHandler(documentReceivedSignal, (raw) => {
    try {
      receiveDocument(run, validateDocument(run, raw));
    } catch (err) {
      log.warn('document signal dropped', { error: String(err) });
    }
  });
  setHandler(statusQuery, () => status(run));
}

export function classifyOutcome(run: Run, outcome: TaskOutcome): TaskOutcomeAnswer {
  const id = outcome.taskExecutionId;
  const previous = run.state.appliedOutcomes[id];
  if (previous !== undefined) {
    return previous === JSON.stringify(outcome)
      ? { result: 'duplicate', taskExecutionId: id, message: 'This outcome was already applied.' }
      : {
          result: 'stale',
          taskExecutionId: id,
          message: 'This task execution already has a different outcome.',
        };
  }
  const found = findAttempt(run, id)!;
  const isCurrent =
    found.step.index === run.state.stepIndex && current(found.step.state) === found.attempt;
  if (!isCurrent || found.attempt.phase !== 'RUNNING' || run.state.pendingOutcome) {
    const why =
      found.attempt.phase === 'DONE' || !isCurrent
        ? 'an older attempt or a finished task'
        : 'a task that is not waiting for an agent';
    return {
      result: 'stale',
      taskExecutionId: id,
      message: `Outcome ignored: it is for ${why}.`,
    };
  }
  run.state.appliedOutcomes[id] = JSON.stringify(outcome);
  run.state.pendingOutcome = outcome;
  return {
    result: 'applied',
    taskExecutionId: id,
    message: `Outcome ${outcome.status} applied.`,
  };
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
function holderOf(esc: OpenEscalation): string | undefined {
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

function receiveDocument(run: Run, doc: DocumentReceived): DocumentAnswer {
  if (run.state.documents[doc.documentId]) {
    return {
      result: 'duplicate',
      documentId: doc.documentId,
      message: 'Document already received.',
    };
  }
  run.state.documents[doc.documentId] = {
    ...doc,
    receivedAt: Date.now(),
    recorded: false,
    auditId: uuid4(),
  };
  return { result: 'applied', documentId: doc.documentId, message: 'Document received.' };
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
