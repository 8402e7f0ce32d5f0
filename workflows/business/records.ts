import { uuid4 } from '@temporalio/workflow';
import type { AuditInput, NotificationInput } from '../../activities/database.js';
import { slaFor } from '../definitions/index.js';
import type { Run, Step } from './context.js';
import type { Attempt, SlaClock } from './state.js';

// Builders of what the database activities take: audit events, notifications, task and SLA
// rows. No activity runs here; IDs and times are chosen by the workflow (deterministic).

export type Actor = Pick<AuditInput, 'actorType' | 'actorId' | 'actorName'>;
export const SYSTEM: Actor = { actorType: 'SYSTEM', actorId: 'rexera-workflow' };

/** The agent of an attempt, as the actor of what it reported. */
export function agentActor(attempt: Attempt): Actor {
  return { actorType: 'AGENT', actorId: attempt.agent ?? 'unknown', actorName: attempt.agent };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

export function audit(
  action: string,
  resourceType: string,
  resourceId: string | undefined,
  eventData: Record<string, unknown> = {},
  actor: Actor = SYSTEM,
): AuditInput {
  return { id: uuid4(), ...actor, action, resourceType, resourceId, eventData, at: Date.now() };
}

export function notification(
  run: Run,
  kind: string,
  team: NotificationInput['team'],
  subject: string,
  body: string,
  extra: Partial<NotificationInput> = {},
): NotificationInput {
  return {
    id: uuid4(),
    workflowRowId: run.rowId,
    kind,
    team,
    subject,
    body,
    at: Date.now(),
    ...extra,
  };
}

/** The task_executions row of an attempt. */
export function taskRow(step: Step, attempt: Attempt) {
  return {
    id: attempt.taskExecutionId,
    workflowRowId: step.run.rowId,
    stepIndex: step.index,
    attempt: attempt.attempt,
    taskType: step.def.taskType,
    title: step.def.title,
    description: step.def.description,
    executorType: attempt.executor,
    agentName:
      attempt.executor === 'AI_AGENT' ? (attempt.override?.agent ?? attempt.agent) : undefined,
    slaSeconds: Math.round(slaFor(step.def, step.run.input.priority) / 1000),
  };
}

/** The step's sla_tracking row, written with its first attempt's start (later ones: none). */
export function slaRow(step: Step, attempt: Attempt) {
  return attempt === step.state.attempts[0]
    ? { id: step.state.sla!.slaId, ...slaClockRow(step.run, step.state.sla!) }
    : undefined;
}

/** The sla_tracking columns of a clock (a counting clock's with how it counts). */
export function slaClockRow(run: Run, clock: SlaClock) {
  const c = clock.counting;
  if (!c) {
    return {
      slaSeconds: Math.round((clock.dueAt - clock.startedAt) / 1000),
      startedAt: clock.startedAt,
      dueAt: clock.dueAt,
    };
  }
  return {
    slaSeconds: Math.max(1, Math.round(c.clock.slaMs / 1000)),
    startedAt: clock.startedAt,
    dueAt: clock.dueAt,
    counts: c.counts,
    calendarId: c.counts === 'BUSINESS' ? run.state.calendar?.id : undefined,
  };
}
