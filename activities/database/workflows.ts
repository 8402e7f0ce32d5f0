import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import {
  escalations,
  slaPauses,
  slaTracking,
  taskExecutions,
  TERMINAL_TASK_STATUSES,
  workflows,
} from '../../db/schema/index.js';
import {
  date,
  endPauses,
  taskRow,
  withAudit,
  type AuditInput,
  type NewTaskExecution,
} from './shared.js';
import { TERMINAL_WORKFLOW_STATUSES } from '../../workflows/vocabulary.js';

/** What initializeWorkflow writes. */
export interface InitializeWorkflowInput {
  workflowRowId: string;
  temporalWorkflowId: string;
  startedAt: number;
  dueAt: number;
  tasks: NewTaskExecution[];
  audit: AuditInput;
}

/** What closeWorkflow writes. */
export interface CloseWorkflowInput {
  workflowRowId: string;
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  completedAt: number;
  audit: AuditInput;
}

/** The workflow row: claimed when the workflow starts (with its PENDING task rows), closed when it ends. */
export function workflowsWrites(db: Database) {
  return {
    /** Claims the workflow row for this Temporal workflow and bulk-creates the PENDING tasks. */
    async initializeWorkflow(input: InitializeWorkflowInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
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
      });
    },

    /**
     * Closes the workflow row. CANCELLED and FAILED also close whatever is still open: the
     * unfinished task rows, running SLA clocks and open escalations.
     */
    async closeWorkflow(input: CloseWorkflowInput): Promise<void> {
      const at = date(input.completedAt);
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
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
            .set({ status: 'CANCELLED', completedAt: at, pausedAt: null })
            .where(
              and(
                eq(slaTracking.workflowId, input.workflowRowId),
                eq(slaTracking.status, 'ACTIVE'),
              ),
            );
          await endPauses(tx, eq(slaPauses.workflowId, input.workflowRowId), input.completedAt);
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
              notInArray(workflows.status, [...TERMINAL_WORKFLOW_STATUSES]),
            ),
          );
      });
    },
  };
}
