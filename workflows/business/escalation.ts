import { condition } from '@temporalio/workflow';
import { db } from './activities.js';
import { addAttempt, endedByHuman, finish } from './attempt.js';
import {
  current,
  documentsOf,
  outcomeFor,
  slaLevelOf,
  takeOutcome,
  type Run,
  type Step,
  type StepResult,
} from './context.js';
import { maybeContinueAsNew } from './continue-as-new.js';
import { attemptResultOf, escalationEvent, type EscalationEvent } from './decisions.js';
import type { EscalationAssignment, EscalationResolution } from './messages.js';
import { agentActor, audit, notification, SYSTEM, type Actor } from './records.js';
import type { OpenEscalation } from './state.js';
import { clockOutOfStep } from './sla-clock.js';
import { publish } from './status.js';

// An open HIL escalation: write it, then one wait and one switch on what woke it (an
// assignment, the staff's decision, the work done anyway, a late failure, a reminder due).

/** Waits for HIL staff, reminding them on schedule; an agent's late result still counts. */
export async function escalated(step: Step): Promise<StepResult> {
  const esc = await ensureOpened(step);
  for (;;) {
    const event = await nextEvent(step, esc);
    switch (event.kind) {
      case 'assigned':
        // Written even when a decision came with it: the Update already said it was taken.
        await assign(step.run, esc, event.assignment);
        esc.pendingAssignments!.shift();
        continue;
      case 'decided':
        return resolve(step, esc, event.resolution);
      case 'done-anyway':
        return supersede(step, esc, event);
      case 'failed-again': {
        takeOutcome(step.run, current(step.state));
        const attempt = current(step.state);
        await finish(step, attempt, attemptResultOf(event.outcome), agentActor(attempt));
        continue;
      }
      case 'clock-changed':
        // The step loop stops or restarts the clock (syncPause), then comes back here.
        return 'continue';
      case 'reminder-due':
        await remind(step, esc);
        await maybeContinueAsNew(step.run);
        continue;
    }
  }
}

/** Writes the escalation row (once) and shows the step as escalated. */
async function ensureOpened(step: Step): Promise<OpenEscalation> {
  const { run, def, state: s } = step;
  const esc = run.state.escalation!;
  if (!esc.opened) {
    await db.openEscalation({
      id: esc.id,
      workflowRowId: run.rowId,
      taskExecutionId: esc.taskExecutionId,
      trigger: esc.trigger,
      reason: esc.reason,
      slaLevel: slaLevelOf(s),
      at: esc.openedAt,
      notification: notification(
        run,
        'ESCALATION_OPENED',
        'HIL',
        `Escalation: ${def.taskType} (${esc.trigger})`,
        esc.reason,
        { taskExecutionId: esc.taskExecutionId },
      ),
      audit: audit('escalation.opened', 'escalation', esc.id, {
        trigger: esc.trigger,
        reason: esc.reason,
        taskType: def.taskType,
      }),
    });
    esc.opened = true;
    s.status = 'ESCALATED';
    publish(run);
  }
  s.slaRedPending = false;
  return esc;
}

/** The one wait: until something happens to the escalation, or its next reminder is due. */
async function nextEvent(step: Step, esc: OpenEscalation): Promise<EscalationEvent> {
  const { run, def } = step;
  const every = run.definition.escalationReminderEvery;
  for (;;) {
    const attempt = current(step.state);
    const kind = def.awaits?.kind;
    const documentsArrived = () =>
      attempt.phase === 'WAITING' && kind !== undefined && documentsOf(run, kind).length > 0;
    const nextReminder = esc.openedAt + (esc.remindersSent + 1) * every;
    const woke = await condition(
      () =>
        esc.resolution !== undefined ||
        (esc.pendingAssignments?.length ?? 0) > 0 ||
        outcomeFor(run, attempt) !== undefined ||
        documentsArrived() ||
        clockOutOfStep(step),
      Math.max(0, nextReminder - Date.now()),
    );
    const event = escalationEvent({
      timedOut: !woke,
      assignment: esc.pendingAssignments?.[0],
      resolution: esc.resolution,
      outcome: outcomeFor(run, attempt),
      documentsArrived: documentsArrived(),
      clockChanged: clockOutOfStep(step),
    });
    if (event) return event;
  }
}

/** The work got done without HIL: the escalation is closed as superseded, the step goes on. */
async function supersede(
  step: Step,
  esc: OpenEscalation,
  event: Extract<EscalationEvent, { kind: 'done-anyway' }>,
): Promise<StepResult> {
  const attempt = current(step.state);
  if (event.outcome) takeOutcome(step.run, attempt);
  esc.closing = true;
  await closeEscalation(step.run, esc, 'CANCELLED', SYSTEM, {
    note: 'Superseded: the step went on without HIL.',
  });
  step.state.status = attempt.phase === 'WAITING' ? 'WAITING' : 'RUNNING';
  if (!event.outcome) return 'continue';
  await finish(step, attempt, attemptResultOf(event.outcome), agentActor(attempt));
  return 'done';
}

/** Writes who works the escalation now (the row and the audit). */
async function assign(run: Run, esc: OpenEscalation, a: EscalationAssignment): Promise<void> {
  await db.assignEscalation({
    escalationId: esc.id,
    workflowRowId: run.rowId,
    assigneeId: a.assigneeId,
    notification:
      a.assigneeId === a.assignedBy
        ? undefined
        : notification(
            run,
            'ESCALATION_ASSIGNED',
            'HIL',
            `Escalation on ${run.definition.steps[esc.stepIndex]!.taskType} handed to you`,
            a.note ?? esc.reason,
            { taskExecutionId: esc.taskExecutionId, recipientUserId: a.assigneeId },
          ),
    audit: audit(
      'escalation.assigned',
      'escalation',
      esc.id,
      { assigneeId: a.assigneeId, previous: esc.assignedTo ?? null, note: a.note },
      { actorType: 'HUMAN', actorId: a.assignedBy },
    ),
  });
  esc.assignedTo = a.assigneeId;
  publish(run);
}

/** Reminds HIL (the assignee, if any) that the escalation is still open. */
async function remind(step: Step, esc: OpenEscalation): Promise<void> {
  esc.remindersSent++;
  await db.remindEscalation({
    escalationId: esc.id,
    workflowRowId: step.run.rowId,
    notification: notification(
      step.run,
      'ESCALATION_REMINDER',
      'HIL',
      `Reminder ${esc.remindersSent}: escalation on ${step.def.taskType}`,
      esc.reason,
      { taskExecutionId: esc.taskExecutionId, recipientUserId: esc.assignedTo },
    ),
    audit: audit('escalation.reminded', 'escalation', esc.id, { reminder: esc.remindersSent }),
  });
}

async function closeEscalation(
  run: Run,
  esc: OpenEscalation,
  closeStatus: 'RESOLVED' | 'CANCELLED',
  actor: Actor,
  details: {
    action?: EscalationResolution['action'];
    note?: string;
    data?: Record<string, unknown>;
    resolvedBy?: string;
  },
): Promise<void> {
  await db.closeEscalation({
    escalationId: esc.id,
    workflowRowId: run.rowId,
    status: closeStatus,
    action: details.action,
    resolvedBy: details.resolvedBy,
    note: details.note,
    data: details.data,
    at: Date.now(),
    audit: audit(
      closeStatus === 'RESOLVED' ? 'escalation.resolved' : 'escalation.cancelled',
      'escalation',
      esc.id,
      { action: details.action, note: details.note },
      actor,
    ),
  });
  if (details.action && details.resolvedBy) {
    run.state.resolvedEscalations[esc.id] = { action: details.action, userId: details.resolvedBy };
  }
  run.state.escalation = undefined;
}

/** Applies the staff's decision: the open attempt cancelled, then retry, complete, skip or cancel. */
async function resolve(
  step: Step,
  esc: OpenEscalation,
  r: EscalationResolution,
): Promise<StepResult> {
  const human = { actorType: 'HUMAN', actorId: r.userId } as const;
  const attempt = current(step.state);
  if (attempt.phase !== 'DONE') await finish(step, attempt, { status: 'CANCELLED' }, human);
  // An outcome that came with the decision is moot: left pending, it would refuse the
  // outcomes of the attempts after it as stale.
  takeOutcome(step.run, attempt);
  const { escalationId: _id, userId, action, note, ...data } = r;
  await closeEscalation(step.run, esc, 'RESOLVED', human, {
    action,
    note,
    data,
    resolvedBy: userId,
  });
  switch (r.action) {
    case 'RETRY':
      await addAttempt(step, { agent: r.agent, channel: r.channel, note: r.note });
      step.state.status = 'RUNNING';
      return 'continue';
    case 'COMPLETE':
    case 'SKIP':
      await endedByHuman(step, r);
      return r.action === 'SKIP' ? 'skipped' : 'done';
    case 'CANCEL_WORKFLOW':
      return 'cancel';
  }
}
