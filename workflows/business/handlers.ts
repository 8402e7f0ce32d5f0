import { log, setHandler, uuid4 } from '@temporalio/workflow';
import {
  assignEscalationUpdate,
  calendarChangedSchema,
  calendarChangedSignal,
  cancelRequestedSignal,
  cancelRequestSchema,
  documentReceivedSignal,
  documentReceivedUpdate,
  holdEscalationUpdate,
  resolveEscalationUpdate,
  statusQuery,
  taskOutcomeSignal,
  taskOutcomeUpdate,
  type AssignmentAnswer,
  type DocumentAnswer,
  type DocumentReceived,
  type HoldAnswer,
  type ResolutionAnswer,
  type TaskOutcome,
  type TaskOutcomeAnswer,
} from './messages.js';
import { updateInThisTask } from './activities.js';
import { current, findAttempt, type Run } from './context.js';
import { status } from './status.js';
import {
  holderOf,
  validateAssignment,
  validateDocument,
  validateHold,
  validateOutcome,
  validateResolution,
} from './validators.js';

// Message handlers only check and record; the main flow acts on what they recorded.

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
  setHandler(
    holdEscalationUpdate,
    (hold): HoldAnswer => {
      updateInThisTask();
      const esc = run.state.escalation!;
      const answer = { escalationId: hold.escalationId, onHold: hold.onHold };
      if ((esc.hold !== undefined) === hold.onHold) {
        return {
          ...answer,
          result: 'duplicate',
          message: hold.onHold ? 'Already on hold.' : 'Not on hold.',
        };
      }
      esc.hold = hold.onHold ? { userId: hold.userId, note: hold.note, at: Date.now() } : undefined;
      return {
        ...answer,
        result: 'applied',
        message: hold.onHold
          ? 'On hold for a third party: the SLA clock stops.'
          : 'Hold lifted: the SLA clock runs again.',
      };
    },
    { validator: (raw) => void validateHold(run, raw) },
  );
  setHandler(calendarChangedSignal, (raw) => {
    const parsed = calendarChangedSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('calendar change signal dropped', { error: parsed.error.message });
      return;
    }
    // Only a run that counts in a calendar reads it again (its ladder does).
    if (run.state.calendar) run.calendarStale = true;
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
