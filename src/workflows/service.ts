import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { workflows } from '../../db/schema/index.js';
import { latestVersion } from '../../workflows/definitions/index.js';
import {
  taskOutcomeSignal,
  taskOutcomeUpdate,
  type TaskOutcome,
  type TaskOutcomeAnswer,
} from '../../workflows/business/messages.js';
import { businessWorkflow, businessWorkflowId } from '../../workflows/business/workflow.js';

export interface WorkflowServiceDeps {
  db: Database;
  client: Client;
  taskQueue: string;
}

/**
 * Starts the Temporal workflow that owns an existing `workflows` row. The Temporal ID is
 * derived from the row ID, so a second call (a retried request, a double click) attaches
 * to the same workflow instead of starting another.
 */
export async function startBusinessWorkflow(
  deps: WorkflowServiceDeps,
  workflowRowId: string,
  opts: { maxHistoryEvents?: number } = {},
): Promise<{ workflowId: string; runId: string }> {
  const [row] = await deps.db.select().from(workflows).where(eq(workflows.id, workflowRowId));
  if (!row) throw new Error(`No workflows row ${workflowRowId}`);
  const version = latestVersion(row.workflowType);
  const workflowId = businessWorkflowId(row.id);
  const handle = await deps.client.workflow.start(businessWorkflow, {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [
      {
        workflowRowId: row.id,
        workflowType: row.workflowType,
        definitionVersion: version,
        priority: row.priority,
        clientId: row.clientId,
        metadata: row.metadata,
        maxHistoryEvents: opts.maxHistoryEvents,
      },
    ],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // Search attributes are set by the workflow itself, in its first task (one place).
    staticSummary: `${row.workflowType} · ${row.priority} · ${row.title}`,
  });
  return { workflowId, runId: handle.firstExecutionRunId };
}

export type DeliveryAnswer =
  | TaskOutcomeAnswer
  /** No worker completed the Update in time: stored durably as a Signal, applied later. */
  | { result: 'queued'; taskExecutionId: string; message: string }
  /** The workflow has ended (or never existed): nothing was changed. */
  | { result: 'closed'; taskExecutionId: string; message: string };

/** The workflow refused the outcome (unknown task, wrong attempt, malformed output). */
export class OutcomeRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutcomeRejectedError';
  }
}

/**
 * Delivers an n8n outcome to its workflow. First as an Update, so the caller hears at once
 * whether it was applied, a duplicate or stale; if no worker completes it within
 * `updateTimeoutMs` (every worker down), as a Signal, which the server stores durably and
 * the workflow dedupes exactly like the Update. An outcome is never lost.
 */
export async function deliverTaskOutcome(
  client: Client,
  workflowId: string,
  outcome: TaskOutcome,
  opts: { updateTimeoutMs?: number } = {},
): Promise<DeliveryAnswer> {
  const handle = client.workflow.getHandle(workflowId);
  const deadline = Date.now() + (opts.updateTimeoutMs ?? 5_000);
  const closed = {
    result: 'closed',
    taskExecutionId: outcome.taskExecutionId,
    message: `Workflow ${workflowId} has ended (or does not exist); nothing was changed.`,
  } as const;
  try {
    return await client.connection.withDeadline(deadline, () =>
      handle.executeUpdate(taskOutcomeUpdate, { args: [outcome] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new OutcomeRejectedError(err.cause?.message ?? err.message);
    }
    if (err instanceof WorkflowNotFoundError || isWorkflowClosed(err)) return closed;
    if (!isDeadlineExceeded(err)) throw err;
  }
  try {
    await handle.signal(taskOutcomeSignal, outcome);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || isWorkflowClosed(err)) return closed;
    throw err;
  }
  return {
    result: 'queued',
    taskExecutionId: outcome.taskExecutionId,
    message:
      'No worker answered in time; the outcome is stored and will be applied when one is back.',
  };
}

function isWorkflowClosed(err: unknown): boolean {
  return /workflow execution already completed/i.test(String((err as Error)?.message ?? ''));
}

function isDeadlineExceeded(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 4 || /deadline/i.test(String((e as Error).message ?? ''))) return true;
  }
  return false;
}
