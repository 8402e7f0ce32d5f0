import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type {
  ActorType,
  ExecutorType,
  ReachedSlaLevel,
  SlaCounts,
  SlaLevel,
} from '../../workflows/vocabulary.js';
import {
  auditEvents,
  communications,
  messageMetadata,
  slaPauses,
  slaTracking,
} from '../../db/schema/index.js';

// What every database activity shares: the audit event, internal notifications, the row
// shapes, and withAudit, the one transaction each write is.

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Executor = Database | Tx;

export interface AuditInput {
  id: string;
  actorType: ActorType;
  actorId: string;
  actorName?: string;
  action: string;
  resourceType: string;
  resourceId?: string;
  eventData?: Record<string, unknown>;
  at: number;
}

export interface NewTaskExecution {
  id: string;
  workflowRowId: string;
  stepIndex: number;
  attempt: number;
  taskType: string;
  title: string;
  description: string;
  executorType: ExecutorType;
  agentName?: string;
  slaSeconds: number;
  status?: 'PENDING' | 'COMPLETED' | 'SKIPPED';
  executedBy?: string;
  outputData?: Record<string, unknown>;
  startedAt?: number;
  completedAt?: number;
}

export interface NotificationInput {
  id: string;
  workflowRowId: string;
  taskExecutionId?: string;
  /** SLA_ALERT, ESCALATION_OPENED, ESCALATION_REMINDER, MANAGER_NOTICE */
  kind: string;
  team: 'HIL' | 'MANAGERS';
  /** The one person it is for (an escalation's assignee), besides the team. */
  recipientUserId?: string;
  subject: string;
  body: string;
  slaLevel?: SlaLevel;
  at: number;
}

/** A workflow time (epoch ms) as a timestamp. */
export const date = (ms: number) => new Date(ms);

/** Inserts an audit event (its ID chosen by the workflow: a retry inserts nothing). */
export async function audit(tx: Executor, a: AuditInput, workflowRowId: string): Promise<void> {
  await tx
    .insert(auditEvents)
    .values({
      id: a.id,
      workflowId: workflowRowId,
      actorType: a.actorType,
      actorId: a.actorId,
      actorName: a.actorName,
      action: a.action,
      resourceType: a.resourceType,
      resourceId: a.resourceId,
      eventData: a.eventData ?? {},
      createdAt: date(a.at),
    })
    .onConflictDoNothing();
}

/**
 * A user ID the workflow holds, as NULL once that user is gone: a removed account must not
 * make a write fail (and its activity retry forever) on the foreign key.
 */
export function existingUser(id: string | undefined) {
  return id ? sql<string | null>`(SELECT id FROM user_profiles WHERE id = ${id})` : undefined;
}

/** Inserts an internal message; true when this call inserted it (not a retry). */
export async function notify(tx: Executor, n: NotificationInput): Promise<boolean> {
  const inserted = await tx
    .insert(communications)
    .values({
      id: n.id,
      workflowId: n.workflowRowId,
      taskExecutionId: n.taskExecutionId,
      communicationType: 'MESSAGE',
      direction: 'INTERNAL',
      status: 'SENT',
      subject: n.subject,
      body: n.body,
      sender: 'rexera-workflow',
      recipient: n.team,
      sentAt: date(n.at),
      createdAt: date(n.at),
    })
    .onConflictDoNothing()
    .returning({ id: communications.id });
  if (inserted.length === 0) return false;
  await tx
    .insert(messageMetadata)
    .values({
      communicationId: n.id,
      notificationKind: n.kind,
      recipientTeam: n.team,
      recipientUserId: existingUser(n.recipientUserId),
      slaLevel: n.slaLevel,
    })
    .onConflictDoNothing();
  return true;
}

/** Stops a step's SLA clock: the step is done (whoever did it). */
export async function completeSla(
  tx: Executor,
  slaId: string | undefined,
  at: number,
): Promise<void> {
  if (!slaId) return;
  await tx
    .update(slaTracking)
    .set({ status: 'COMPLETED', completedAt: date(at), pausedAt: null })
    .where(and(eq(slaTracking.id, slaId), eq(slaTracking.status, 'ACTIVE')));
  await endPauses(tx, eq(slaPauses.slaId, slaId), at);
}

/** Ends the open pauses `where` selects: a clock that stops ends its pause with it. */
export async function endPauses(tx: Executor, where: SQL | undefined, at: number): Promise<void> {
  await tx
    .update(slaPauses)
    .set({ resumedAt: sql`greatest(${slaPauses.pausedAt}, ${date(at)})` })
    .where(and(where, sql`${slaPauses.resumedAt} IS NULL`));
}

/** An SLA clock as the workflow opened it (counts and calendar: clocks of version 3 on). */
export interface SlaRowInput {
  slaSeconds: number;
  startedAt: number;
  dueAt: number;
  counts?: SlaCounts;
  calendarId?: string;
}

/** The sla_tracking row of a clock the workflow opened. */
export function slaValues(
  id: string,
  taskExecutionId: string,
  workflowRowId: string,
  c: SlaRowInput,
) {
  return {
    id,
    taskExecutionId,
    workflowId: workflowRowId,
    slaSeconds: c.slaSeconds,
    startedAt: date(c.startedAt),
    dueAt: date(c.dueAt),
    counts: c.counts ?? 'CALENDAR',
    calendarId: c.calendarId,
    countingSince: date(c.startedAt),
  };
}

/** A task_executions row from what the workflow chose. */
export function taskRow(t: NewTaskExecution) {
  return {
    id: t.id,
    workflowId: t.workflowRowId,
    stepIndex: t.stepIndex,
    attempt: t.attempt,
    taskType: t.taskType,
    title: t.title,
    description: t.description,
    executorType: t.executorType,
    agentName: t.agentName,
    slaSeconds: t.slaSeconds,
    status: t.status ?? 'PENDING',
    executedBy: t.executedBy,
    outputData: t.outputData,
    startedAt: t.startedAt === undefined ? undefined : date(t.startedAt),
    completedAt: t.completedAt === undefined ? undefined : date(t.completedAt),
  };
}

/** What the database activities report to the worker's metrics (none in tests). */
export interface DatabaseObservers {
  /** An SLA level was written this long (ms) after the threshold instant it stands for. */
  slaAlertLateness?: (level: ReachedSlaLevel, ms: number) => void;
}

/**
 * One database write: `writes` and its audit event in one transaction. Every row it creates
 * has an ID chosen by the workflow and every insert is ON CONFLICT DO NOTHING (updates are
 * guarded by the status they move from), so a retry after a crash writes nothing twice.
 */
export async function withAudit<T>(
  db: Database,
  event: AuditInput,
  workflowRowId: string,
  writes: (tx: Tx) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const result = await writes(tx);
    await audit(tx, event, workflowRowId);
    return result;
  });
}
