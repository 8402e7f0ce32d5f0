import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { slaTracking, taskExecutions, TERMINAL_TASK_STATUSES } from '../../db/schema/index.js';
import {
  completeSla,
  date,
  slaValues,
  taskRow,
  withAudit,
  type AuditInput,
  type NewTaskExecution,
  type SlaRowInput,
} from './shared.js';

/** What createAttempt writes. */
export interface CreateAttemptInput {
  task: NewTaskExecution;
  closeSlaId?: string;
  audit: AuditInput;
}

/** What startAttempt writes. */
export interface StartAttemptInput {
  taskExecutionId: string;
  workflowRowId: string;
  status: 'RUNNING' | 'WAITING';
  startedAt: number;
  agentName?: string;
  channel?: string;
  inputData: Record<string, unknown>;
  sla?: SlaRowInput & { id: string };
  audit: AuditInput;
}

/** What finishAttempt writes. */
export interface FinishAttemptInput {
  taskExecutionId: string;
  workflowRowId: string;
  status: 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';
  completedAt: number;
  outputData?: Record<string, unknown>;
  errorMessage?: string;
  errorRetryable?: boolean;
  closeSlaId?: string;
  audit: AuditInput;
}

/** Task executions: one row per attempt, PENDING, then RUNNING or WAITING, then terminal. */
export function tasksWrites(db: Database) {
  return {
    /**
     * Inserts one more attempt row: a retry, or a step done or skipped by a human (which
     * ends the step: pass its SLA clock in closeSlaId).
     */
    async createAttempt(input: CreateAttemptInput): Promise<void> {
      await withAudit(db, input.audit, input.task.workflowRowId, async (tx) => {
        await tx.insert(taskExecutions).values(taskRow(input.task)).onConflictDoNothing();
        await completeSla(tx, input.closeSlaId, input.audit.at);
      });
    },

    /** PENDING -> RUNNING (agent call) or WAITING (inbound wait); opens the SLA clock if given. */
    async startAttempt(input: StartAttemptInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
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
            .values(slaValues(input.sla.id, input.taskExecutionId, input.workflowRowId, input.sla))
            .onConflictDoNothing();
        }
      });
    },

    /**
     * Moves an attempt to its terminal status; a repeat finds it terminal and does nothing.
     * A COMPLETED attempt ends its step: pass the step's SLA clock in closeSlaId.
     */
    async finishAttempt(input: FinishAttemptInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
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
      });
    },
  };
}
