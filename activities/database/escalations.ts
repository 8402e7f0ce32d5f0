import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { EscalationAction, EscalationTrigger, SlaLevel } from '../../workflows/vocabulary.js';
import { escalations, workflows } from '../../db/schema/index.js';
import {
  date,
  existingUser,
  notify,
  withAudit,
  type AuditInput,
  type NotificationInput,
} from './shared.js';

/** What openEscalation writes. */
export interface OpenEscalationInput {
  id: string;
  workflowRowId: string;
  taskExecutionId: string;
  trigger: EscalationTrigger;
  reason: string;
  slaLevel?: SlaLevel;
  at: number;
  notification: NotificationInput;
  audit: AuditInput;
}

/** What remindEscalation writes. */
export interface RemindEscalationInput {
  escalationId: string;
  workflowRowId: string;
  notification: NotificationInput;
  audit: AuditInput;
}

/** What assignEscalation writes. */
export interface AssignEscalationInput {
  escalationId: string;
  workflowRowId: string;
  assigneeId: string;
  /** A message to the assignee, when someone else handed it to them. */
  notification?: NotificationInput;
  audit: AuditInput;
}

/** What closeEscalation writes. */
export interface CloseEscalationInput {
  escalationId: string;
  workflowRowId: string;
  status: 'RESOLVED' | 'CANCELLED';
  action?: EscalationAction;
  resolvedBy?: string;
  note?: string;
  data?: Record<string, unknown>;
  at: number;
  audit: AuditInput;
}

/** Escalations to the HIL team: opened, re-notified, assigned, closed. */
export function escalationsWrites(db: Database) {
  return {
    /** Opens an escalation, tells the HIL team, and marks the workflow BLOCKED. */
    async openEscalation(input: OpenEscalationInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
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
      });
    },

    /** Re-notifies the HIL team about an unanswered escalation (counted once per reminder). */
    async remindEscalation(input: RemindEscalationInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        if (await notify(tx, input.notification)) {
          await tx
            .update(escalations)
            .set({
              notificationCount: sql`${escalations.notificationCount} + 1`,
              lastNotifiedAt: date(input.notification.at),
            })
            .where(and(eq(escalations.id, input.escalationId), eq(escalations.status, 'OPEN')));
        }
      });
    },

    /** Records who works an open escalation now. */
    async assignEscalation(input: AssignEscalationInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        await tx
          .update(escalations)
          .set({ assignedTo: existingUser(input.assigneeId) })
          .where(and(eq(escalations.id, input.escalationId), eq(escalations.status, 'OPEN')));
        if (input.notification) await notify(tx, input.notification);
      });
    },

    /** Closes an escalation: RESOLVED by a person, or CANCELLED when it no longer applies. */
    async closeEscalation(input: CloseEscalationInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
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
      });
    },
  };
}
