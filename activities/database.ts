import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import {
  auditEvents,
  communications,
  costItems,
  documents,
  emailMetadata,
  escalations,
  invoices,
  messageMetadata,
  slaTracking,
  taskExecutions,
  TERMINAL_TASK_STATUSES,
  workflows,
} from '../db/schema/index.js';

// Database activities. Every write is a small named transaction that records its audit
// event with it; every row it creates has an ID chosen by the workflow, and every insert is
// ON CONFLICT DO NOTHING, so an activity retried after a crash writes nothing twice.
// Times are workflow times (epoch ms), so a retry writes the same timestamps.

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
type Executor = Database | Tx;

export interface AuditInput {
  id: string;
  actorType: 'AGENT' | 'HUMAN' | 'SYSTEM';
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
  executorType: 'AI_AGENT' | 'HIL' | 'SYSTEM';
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
  slaLevel?: 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED' | 'BREACHED';
  at: number;
}

const date = (ms: number) => new Date(ms);

async function audit(tx: Executor, a: AuditInput, workflowRowId: string): Promise<void> {
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
function existingUser(id: string | undefined) {
  return id ? sql<string | null>`(SELECT id FROM user_profiles WHERE id = ${id})` : undefined;
}

/** Inserts an internal message; true when this call inserted it (not a retry). */
async function notify(tx: Executor, n: NotificationInput): Promise<boolean> {
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
async function completeSla(tx: Executor, slaId: string | undefined, at: number): Promise<void> {
  if (!slaId) return;
  await tx
    .update(slaTracking)
    .set({ status: 'COMPLETED', completedAt: date(at) })
    .where(and(eq(slaTracking.id, slaId), eq(slaTracking.status, 'ACTIVE')));
}

function taskRow(t: NewTaskExecution) {
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
  slaAlertLateness?: (level: 'YELLOW' | 'ORANGE' | 'RED' | 'BREACHED', ms: number) => void;
}

export function createDatabaseActivities(db: Database, observers: DatabaseObservers = {}) {
  return {
    /** Claims the workflow row for this Temporal workflow and bulk-creates the PENDING tasks. */
    async initializeWorkflow(input: {
      workflowRowId: string;
      temporalWorkflowId: string;
      startedAt: number;
      dueAt: number;
      tasks: NewTaskExecution[];
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(workflows)
          .set({
            status: 'IN_PROGRESS',
            temporalWorkflowId: input.temporalWorkflowId,
            startedAt: sql`coalesce(${workflows.startedAt}, ${date(input.startedAt)})`,
            dueAt: date(input.dueAt),
          })
          .where(and(eq(workflows.id, input.workflowRowId), eq(workflows.status, 'PENDING')));
        if (input.tasks.length > 0) {
          await tx.insert(taskExecutions).values(input.tasks.map(taskRow)).onConflictDoNothing();
        }
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /**
     * Inserts one more attempt row: a retry, or a step done or skipped by a human (which
     * ends the step: pass its SLA clock in closeSlaId).
     */
    async createAttempt(input: {
      task: NewTaskExecution;
      closeSlaId?: string;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.insert(taskExecutions).values(taskRow(input.task)).onConflictDoNothing();
        await completeSla(tx, input.closeSlaId, input.audit.at);
        await audit(tx, input.audit, input.task.workflowRowId);
      });
    },

    /** PENDING -> RUNNING (agent call) or WAITING (inbound wait); opens the SLA clock if given. */
    async startAttempt(input: {
      taskExecutionId: string;
      workflowRowId: string;
      status: 'RUNNING' | 'WAITING';
      startedAt: number;
      agentName?: string;
      channel?: string;
      inputData: Record<string, unknown>;
      sla?: { id: string; slaSeconds: number; startedAt: number; dueAt: number };
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(taskExecutions)
          .set({
            status: input.status,
            startedAt: sql`coalesce(${taskExecutions.startedAt}, ${date(input.startedAt)})`,
            agentName: input.agentName,
            channel: input.channel,
            inputData: input.inputData,
          })
          .where(
            and(
              eq(taskExecutions.id, input.taskExecutionId),
              inArray(taskExecutions.status, ['PENDING', 'WAITING']),
            ),
          );
        if (input.sla) {
          await tx
            .insert(slaTracking)
            .values({
              id: input.sla.id,
              taskExecutionId: input.taskExecutionId,
              workflowId: input.workflowRowId,
              slaSeconds: input.sla.slaSeconds,
              startedAt: date(input.sla.startedAt),
              dueAt: date(input.sla.dueAt),
            })
            .onConflictDoNothing();
        }
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /**
     * Moves an attempt to its terminal status; a repeat finds it terminal and does nothing.
     * A COMPLETED attempt ends its step: pass the step's SLA clock in closeSlaId.
     */
    async finishAttempt(input: {
      taskExecutionId: string;
      workflowRowId: string;
      status: 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';
      completedAt: number;
      outputData?: Record<string, unknown>;
      errorMessage?: string;
      errorRetryable?: boolean;
      closeSlaId?: string;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await completeSla(tx, input.closeSlaId, input.completedAt);
        await tx
          .update(taskExecutions)
          .set({
            status: input.status,
            completedAt: date(input.completedAt),
            startedAt: sql`coalesce(${taskExecutions.startedAt}, ${date(input.completedAt)})`,
            outputData: input.outputData,
            errorMessage: input.errorMessage,
            errorRetryable: input.errorRetryable,
          })
          .where(
            and(
              eq(taskExecutions.id, input.taskExecutionId),
              notInArray(taskExecutions.status, [...TERMINAL_TASK_STATUSES]),
            ),
          );
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** Records an SLA level the first time it is reached; ORANGE and BREACHED also notify. */
    async recordSlaLevel(input: {
      slaId: string;
      workflowRowId: string;
      level: 'YELLOW' | 'ORANGE' | 'RED' | 'BREACHED';
      reachedAt: number;
      notification?: NotificationInput;
      audit: AuditInput;
      /**
       * The clock itself, inserted if its row is not there yet: the write that opens it
       * (startAttempt) may be carried by a dispatch still waiting to run.
       */
      clock?: { taskExecutionId: string; slaSeconds: number; startedAt: number; dueAt: number };
    }): Promise<void> {
      const column = {
        YELLOW: slaTracking.yellowAt,
        ORANGE: slaTracking.orangeAt,
        RED: slaTracking.redAt,
        BREACHED: slaTracking.breachedAt,
      }[input.level];
      const key = { YELLOW: 'yellowAt', ORANGE: 'orangeAt', RED: 'redAt', BREACHED: 'breachedAt' }[
        input.level
      ];
      // The threshold time (workflow time, the same on a retry) and the time it was really
      // written (the database's clock): their difference is the alert's lateness.
      const recorded = `${key.replace(/At$/, '')}RecordedAt`;
      const written = await db.transaction(async (tx) => {
        if (input.clock) {
          await tx
            .insert(slaTracking)
            .values({
              id: input.slaId,
              taskExecutionId: input.clock.taskExecutionId,
              workflowId: input.workflowRowId,
              slaSeconds: input.clock.slaSeconds,
              startedAt: date(input.clock.startedAt),
              dueAt: date(input.clock.dueAt),
            })
            .onConflictDoNothing();
        }
        const rows = await tx
          .update(slaTracking)
          .set({
            alertLevel: input.level,
            [key]: date(input.reachedAt),
            [recorded]: sql`clock_timestamp()`,
          })
          .where(and(eq(slaTracking.id, input.slaId), sql`${column} IS NULL`))
          .returning({ latenessMs: sql<number>`extract(epoch FROM clock_timestamp()) * 1000` });
        if (input.notification) await notify(tx, input.notification);
        await audit(tx, input.audit, input.workflowRowId);
        return rows[0];
      });
      // Observed once, by the write that recorded the level (not by a retry).
      if (written) {
        observers.slaAlertLateness?.(input.level, Number(written.latenessMs) - input.reachedAt);
      }
    },

    /** Opens an escalation, tells the HIL team, and marks the workflow BLOCKED. */
    async openEscalation(input: {
      id: string;
      workflowRowId: string;
      taskExecutionId: string;
      trigger:
        | 'RETRIES_EXHAUSTED'
        | 'NON_RETRYABLE_FAILURE'
        | 'AGENT_NEEDS_HUMAN'
        | 'SLA_RED'
        | 'INBOUND_TIMEOUT';
      reason: string;
      slaLevel?: 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED' | 'BREACHED';
      at: number;
      notification: NotificationInput;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(escalations)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            taskExecutionId: input.taskExecutionId,
            trigger: input.trigger,
            reason: input.reason,
            slaLevel: input.slaLevel,
            createdAt: date(input.at),
          })
          .onConflictDoNothing()
          .returning({ id: escalations.id });
        if (inserted.length > 0 && (await notify(tx, input.notification))) {
          await tx
            .update(escalations)
            .set({ notificationCount: 1, lastNotifiedAt: date(input.at) })
            .where(eq(escalations.id, input.id));
        }
        await tx
          .update(workflows)
          .set({ status: 'BLOCKED' })
          .where(and(eq(workflows.id, input.workflowRowId), eq(workflows.status, 'IN_PROGRESS')));
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** Re-notifies the HIL team about an unanswered escalation (counted once per reminder). */
    async remindEscalation(input: {
      escalationId: string;
      workflowRowId: string;
      notification: NotificationInput;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        if (await notify(tx, input.notification)) {
          await tx
            .update(escalations)
            .set({
              notificationCount: sql`${escalations.notificationCount} + 1`,
              lastNotifiedAt: date(input.notification.at),
            })
            .where(and(eq(escalations.id, input.escalationId), eq(escalations.status, 'OPEN')));
        }
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** Records who works an open escalation now. */
    async assignEscalation(input: {
      escalationId: string;
      workflowRowId: string;
      assigneeId: string;
      /** A message to the assignee, when someone else handed it to them. */
      notification?: NotificationInput;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(escalations)
          .set({ assignedTo: existingUser(input.assigneeId) })
          .where(and(eq(escalations.id, input.escalationId), eq(escalations.status, 'OPEN')));
        if (input.notification) await notify(tx, input.notification);
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** Closes an escalation: RESOLVED by a person, or CANCELLED when it no longer applies. */
    async closeEscalation(input: {
      escalationId: string;
      workflowRowId: string;
      status: 'RESOLVED' | 'CANCELLED';
      action?: 'RETRY' | 'COMPLETE' | 'SKIP' | 'CANCEL_WORKFLOW';
      resolvedBy?: string;
      note?: string;
      data?: Record<string, unknown>;
      at: number;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(escalations)
          .set({
            status: input.status,
            resolutionAction: input.action,
            resolvedBy: input.resolvedBy,
            resolutionNote: input.note,
            resolutionData: input.data,
            resolvedAt: date(input.at),
          })
          .where(and(eq(escalations.id, input.escalationId), eq(escalations.status, 'OPEN')));
        await tx
          .update(workflows)
          .set({ status: 'IN_PROGRESS' })
          .where(and(eq(workflows.id, input.workflowRowId), eq(workflows.status, 'BLOCKED')));
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** Stores an inbound document's metadata (the file itself lives in object storage). */
    async recordDocument(input: {
      id: string;
      workflowRowId: string;
      taskExecutionId?: string;
      filename: string;
      storageUrl: string;
      mimeType?: string;
      fileSizeBytes?: number;
      source?: string;
      metadata: Record<string, unknown>;
      at: number;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .insert(documents)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            taskExecutionId: input.taskExecutionId,
            documentType: 'WORKING',
            filename: input.filename,
            storageUrl: input.storageUrl,
            mimeType: input.mimeType,
            fileSizeBytes: input.fileSizeBytes,
            source: input.source,
            metadata: input.metadata,
            createdAt: date(input.at),
          })
          .onConflictDoNothing();
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** Records a follow-up to the counterparty while a step waits for its answer. */
    async recordFollowUp(input: {
      id: string;
      workflowRowId: string;
      taskExecutionId: string;
      channel: string;
      number: number;
      subject: string;
      body: string;
      /** The counterparty contact, where an earlier step found one. */
      recipient?: string;
      at: number;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(communications)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            taskExecutionId: input.taskExecutionId,
            communicationType: input.channel === 'EMAIL' ? 'EMAIL' : 'CALL',
            direction: 'OUTBOUND',
            status: 'QUEUED',
            subject: input.subject,
            body: input.body,
            sender: 'rexera-workflow',
            recipient: input.recipient,
            threadId: `follow-up:${input.taskExecutionId}`,
            metadata: { followUpNumber: input.number },
            createdAt: date(input.at),
          })
          .onConflictDoNothing()
          .returning({ id: communications.id });
        if (inserted.length > 0 && input.channel === 'EMAIL') {
          await tx
            .insert(emailMetadata)
            .values({ communicationId: input.id })
            .onConflictDoNothing();
        }
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** What came of sending a QUEUED outbound message: SENT (with the provider's ID) or FAILED. */
    async markCommunication(input: {
      communicationId: string;
      workflowRowId: string;
      status: 'SENT' | 'FAILED';
      providerMessageId?: string;
      error?: string;
      at: number;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const changed = await tx
          .update(communications)
          .set({
            status: input.status,
            sentAt: input.status === 'SENT' ? date(input.at) : undefined,
            metadata: sql`${communications.metadata} || ${JSON.stringify({
              providerMessageId: input.providerMessageId,
              error: input.error,
            })}::jsonb`,
          })
          .where(
            and(eq(communications.id, input.communicationId), eq(communications.status, 'QUEUED')),
          )
          .returning({ type: communications.communicationType });
        if (changed[0]?.type === 'EMAIL' && input.providerMessageId) {
          // message_id is unique: a connector that reuses an ID keeps it in the metadata only.
          await tx
            .update(emailMetadata)
            .set({ messageId: input.providerMessageId })
            .where(
              and(
                eq(emailMetadata.communicationId, input.communicationId),
                sql`NOT EXISTS (SELECT 1 FROM email_metadata o WHERE o.message_id = ${input.providerMessageId})`,
              ),
            );
        }
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /** The invoice from generate_invoice's output: lines priced in SQL (exact decimals). */
    async createInvoice(input: {
      id: string;
      workflowRowId: string;
      taskExecutionId: string;
      invoiceNumber: string;
      currency: string;
      tax: string;
      dueDate?: string;
      lines: {
        id: string;
        description: string;
        category: string;
        quantity: string;
        unitPrice: string;
      }[];
      at: number;
      audit: AuditInput;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(invoices)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            clientId: sql`(SELECT client_id FROM workflows WHERE id = ${input.workflowRowId})`,
            taskExecutionId: input.taskExecutionId,
            invoiceNumber: input.invoiceNumber,
            status: 'ISSUED',
            currency: input.currency,
            issuedAt: date(input.at),
            dueDate: input.dueDate,
            createdAt: date(input.at),
          })
          .onConflictDoNothing()
          .returning({ id: invoices.id });
        if (inserted.length > 0) {
          await tx.insert(costItems).values(
            input.lines.map((l) => ({
              id: l.id,
              invoiceId: input.id,
              workflowId: input.workflowRowId,
              taskExecutionId: input.taskExecutionId,
              description: l.description,
              category: l.category,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              amount: sql`round(${l.quantity}::numeric * ${l.unitPrice}::numeric, 2)`,
              createdAt: date(input.at),
            })),
          );
          await tx
            .update(invoices)
            .set({
              subtotal: sql`(SELECT coalesce(sum(amount), 0) FROM cost_items WHERE invoice_id = ${input.id})`,
              tax: input.tax,
              total: sql`(SELECT coalesce(sum(amount), 0) FROM cost_items WHERE invoice_id = ${input.id}) + ${input.tax}::numeric`,
            })
            .where(eq(invoices.id, input.id));
        }
        await audit(tx, input.audit, input.workflowRowId);
      });
    },

    /**
     * Closes the workflow row. CANCELLED and FAILED also close whatever is still open: the
     * unfinished task rows, running SLA clocks and open escalations.
     */
    async closeWorkflow(input: {
      workflowRowId: string;
      status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
      completedAt: number;
      audit: AuditInput;
    }): Promise<void> {
      const at = date(input.completedAt);
      await db.transaction(async (tx) => {
        if (input.status !== 'COMPLETED') {
          await tx
            .update(taskExecutions)
            .set({ status: 'CANCELLED', completedAt: at })
            .where(
              and(
                eq(taskExecutions.workflowId, input.workflowRowId),
                notInArray(taskExecutions.status, [...TERMINAL_TASK_STATUSES]),
              ),
            );
          await tx
            .update(slaTracking)
            .set({ status: 'CANCELLED', completedAt: at })
            .where(
              and(
                eq(slaTracking.workflowId, input.workflowRowId),
                eq(slaTracking.status, 'ACTIVE'),
              ),
            );
          await tx
            .update(escalations)
            .set({ status: 'CANCELLED', resolvedAt: at })
            .where(
              and(eq(escalations.workflowId, input.workflowRowId), eq(escalations.status, 'OPEN')),
            );
        }
        await tx
          .update(workflows)
          .set({ status: input.status, completedAt: at })
          .where(
            and(
              eq(workflows.id, input.workflowRowId),
              notInArray(workflows.status, ['COMPLETED', 'FAILED', 'CANCELLED']),
            ),
          );
        await audit(tx, input.audit, input.workflowRowId);
      });
    },
  };
}

export type DatabaseActivities = ReturnType<typeof createDatabaseActivities>;
