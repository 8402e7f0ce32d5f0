import { ApplicationFailure } from '@temporalio/common';
import { and, eq, isNull, notInArray, or, sql } from 'drizzle-orm';
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
  slaValues,
  taskRow,
  withAudit,
  type AuditInput,
  type NewTaskExecution,
  type SlaRowInput,
} from './shared.js';
import { TERMINAL_WORKFLOW_STATUSES, type ReachedSlaLevel } from '../../workflows/vocabulary.js';

/** What initializeWorkflow writes. */
export interface InitializeWorkflowInput {
  workflowRowId: string;
  temporalWorkflowId: string;
  startedAt: number;
  dueAt: number;
  tasks: NewTaskExecution[];
  audit: AuditInput;
}

/** What adoptWorkflow writes (the cut-over: a row the old design started). */
export interface AdoptWorkflowInput {
  workflowRowId: string;
  temporalWorkflowId: string;
  startedAt: number;
  dueAt: number;
  /** Attempt rows the old design never wrote (the steps it had not reached). */
  tasks: NewTaskExecution[];
  /** The current step's clock: inserted if the old design had none; levels passed recorded. */
  sla?: SlaRowInput & {
    id: string;
    taskExecutionId: string;
    levels: { level: ReachedSlaLevel; at: number }[];
  };
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
     * Takes over a row the old design started: names this Temporal workflow on it (refused if
     * another owns it), adds the attempt rows it never wrote, and brings the current clock up to
     * the levels already passed (no notification: they passed before). A repeat changes nothing.
     */
    async adoptWorkflow(input: AdoptWorkflowInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        const [row] = await tx
          .update(workflows)
          .set({
            temporalWorkflowId: input.temporalWorkflowId,
            status: sql`CASE WHEN ${workflows.status} = 'PENDING' THEN 'IN_PROGRESS'::workflow_status ELSE ${workflows.status} END`,
            startedAt: sql`coalesce(${workflows.startedAt}, ${date(input.startedAt)})`,
            dueAt: sql`coalesce(${workflows.dueAt}, ${date(input.dueAt)})`,
          })
          .where(
            and(
              eq(workflows.id, input.workflowRowId),
              or(
                isNull(workflows.temporalWorkflowId),
                eq(workflows.temporalWorkflowId, input.temporalWorkflowId),
              ),
            ),
          )
          .returning({ id: workflows.id });
        if (!row) {
          throw ApplicationFailure.nonRetryable(
            `Row ${input.workflowRowId} is owned by another Temporal workflow: not adopted.`,
            'RowOwnedElsewhereError',
          );
        }
        if (input.tasks.length > 0) {
          await tx.insert(taskExecutions).values(input.tasks.map(taskRow)).onConflictDoNothing();
        }
        const sla = input.sla;
        if (!sla) return;
        await tx
          .insert(slaTracking)
          .values(slaValues(sla.id, sla.taskExecutionId, input.workflowRowId, sla))
          .onConflictDoNothing();
        const at = (level: ReachedSlaLevel) => {
          const found = sla.levels.find((l) => l.level === level);
          return found ? date(found.at) : null;
        };
        const y = sql`coalesce(${slaTracking.yellowAt}, ${at('YELLOW')}::timestamptz)`;
        const o = sql`coalesce(${slaTracking.orangeAt}, ${at('ORANGE')}::timestamptz)`;
        const r = sql`coalesce(${slaTracking.redAt}, ${at('RED')}::timestamptz)`;
        const b = sql`coalesce(${slaTracking.breachedAt}, ${at('BREACHED')}::timestamptz)`;
        await tx
          .update(slaTracking)
          .set({
            yellowAt: y,
            orangeAt: o,
            redAt: r,
            breachedAt: b,
            alertLevel: sql`CASE WHEN ${b} IS NOT NULL THEN 'BREACHED'::sla_alert_level
              WHEN ${r} IS NOT NULL THEN 'RED'::sla_alert_level
              WHEN ${o} IS NOT NULL THEN 'ORANGE'::sla_alert_level
              WHEN ${y} IS NOT NULL THEN 'YELLOW'::sla_alert_level
              ELSE 'GREEN'::sla_alert_level END`,
          })
          .where(and(eq(slaTracking.id, sla.id), eq(slaTracking.status, 'ACTIVE')));
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
