import { condition, uuid4 } from '@temporalio/workflow';
import { db } from './activities.js';
import type { EscalationAssignment, EscalationResolution } from './messages.js';
import { publish, slaLevelOf } from './report.js';
import {
  audit,
  current,
  documentsOf,
  maybeContinueAsNew,
  newAttempt,
  notification,
  outcomeFor,
  SYSTEM,
  takeOutcome,
  taskRow,
  type Actor,
  type Run,
  type StepResult,
} from './run.js';
import type { Attempt, OpenEscalation } from './state.js';
import { applyOutcome, addAttempt, finish, recordOutput } from './steps.js';

// HIL escalations: open, remind on schedule, and apply the staff's decision.

export function escalate(
  run: Run,
  i: number,
  trigger: OpenEscalation['trigger'],
  reason: string,
): StepResult {
  const s = run.state.steps[i]!;
  s.slaRedPending = false;
  run.state.escalation = {
    id: uuid4(),
    stepIndex: i,
    taskExecutionId: current(s).taskExecutionId,
    trigger,
    reason,
    openedAt: Date.now(),
    remindersSent: 0,
    opened: false,
  };
  return 'continue';
}

/** Waits for HIL staff, reminding them on schedule; an agent's late result still counts. */
export async function escalated(run: Run, i: number): Promise<StepResult> {
  const step = run.steps[i]!;
  const s = run.state.steps[i]!;
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
        `Escalation: ${step.taskType} (${esc.trigger})`,
        esc.reason,
        { taskExecutionId: esc.taskExecutionId },
      ),
      audit: audit('escalation.opened', 'escalation', esc.id, {
        trigger: esc.trigger,
        reason: esc.reason,
        taskType: step.taskType,
      }),
    });
    esc.opened = true;
    s.status = 'ESCALATED';
    publish(run);
  }
  s.slaRedPending = false;
  const every = run.definition.escalationReminderEvery;
  for (;;) {
    const a = current(s);
    const kind = step.awaits?.kind;
    const docsArrived = () =>
      a.phase === 'WAITING' && kind !== undefined && documentsOf(run, kind).length > 0;
    const nextReminder = esc.openedAt + (esc.remindersSent + 1) * every;
    const woke = await condition(
      () =>
        esc.resolution !== undefined ||
        (esc.pendingAssignments?.length ?? 0) > 0 ||
        outcomeFor(run, a) !== undefined ||
        docsArrived(),
      Math.max(0, nextReminder - Date.now()),
    );
    const next = esc.pendingAssignments?.[0];
    if (next) {
      // Written even when a resolution came with it: the Update already said it was taken.
      await assign(run, esc, next);
      esc.pendingAssignments!.shift();
      continue;
    }
    if (esc.resolution) return resolve(run, i, esc, esc.resolution);
    const outcome = takeOutcome(run, a);
    if (outcome?.status === 'COMPLETED' || docsArrived()) {
      // The work got done after all: the escalation no longer applies.
      esc.closing = true;
      await closeEscalation(run, esc, 'CANCELLED', SYSTEM, {
        note: 'Superseded: the step went on without HIL.',
      });
      s.status = a.phase === 'WAITING' ? 'WAITING' : 'RUNNING';
      return outcome ? applyOutcome(run, i, a, outcome) : 'continue';
    }
    if (outcome) {
      const failure =
        outcome.status === 'FAILED'
          ? outcome.error
          : { message: `Agent asked for a human: ${outcome.reason}`, retryable: false };
      await finish(
        run,
        i,
        a,
        'FAILED',
        undefined,
        { actorType: 'AGENT', actorId: a.agent ?? 'unknown', actorName: a.agent },
        failure,
      );
      continue;
    }
    if (!woke) {
      esc.remindersSent++;
      await db.remindEscalation({
        escalationId: esc.id,
        workflowRowId: run.rowId,
        notification: notification(
          run,
          'ESCALATION_REMINDER',
          'HIL',
          `Reminder ${esc.remindersSent}: escalation on ${step.taskType}`,
          esc.reason,
          { taskExecutionId: esc.taskExecutionId, recipientUserId: esc.assignedTo },
        ),
        audit: audit('escalation.reminded', 'escalation', esc.id, {
          reminder: esc.remindersSent,
        }),
      });
      await maybeContinueAsNew(run);
    }
  }
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
            `Escalation on ${run.steps[esc.stepIndex]!.taskType} handed to you`,
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

export async function closeEscalation(
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
) {
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

export async function resolve(
  run: Run,
  i: number,
  esc: OpenEscalation,
  r: EscalationResolution,
): Promise<StepResult> {
  const s = run.state.steps[i]!;
  const human = { actorType: 'HUMAN', actorId: r.userId } as const;
  const a = current(s);
  if (a.phase !== 'DONE') await finish(run, i, a, 'CANCELLED', undefined, human);
  const { escalationId: _id, userId, action, note, ...data } = r;
  await closeEscalation(run, esc, 'RESOLVED', human, { action, note, data, resolvedBy: userId });
  switch (r.action) {
    case 'RETRY':
      await addAttempt(run, i, { agent: r.agent, channel: r.channel, note: r.note });
      s.status = 'RUNNING';
      return 'continue';
    case 'COMPLETE':
    case 'SKIP': {
      const step = run.steps[i]!;
      const done: Attempt = {
        ...newAttempt(step, a.attempt + 1),
        executor: 'HIL',
        phase: 'DONE',
        agent: undefined,
      };
      const now = Date.now();
      await db.createAttempt({
        task: {
          ...taskRow(run, i, done),
          status: r.action === 'COMPLETE' ? 'COMPLETED' : 'SKIPPED',
          executedBy: userId,
          outputData: r.action === 'COMPLETE' ? r.output : undefined,
          startedAt: now,
          completedAt: now,
        },
        closeSlaId: s.sla?.slaId,
        audit: audit(
          r.action === 'COMPLETE' ? 'task.completed_by_human' : 'task.skipped',
          'task_execution',
          done.taskExecutionId,
          { taskType: step.taskType, note },
          human,
        ),
      });
      s.attempts.push(done);
      if (r.action === 'SKIP') return 'skipped';
      await recordOutput(run, i, done.taskExecutionId, r.output);
      return 'done';
    }
    case 'CANCEL_WORKFLOW':
      return 'cancel';
  }
}
