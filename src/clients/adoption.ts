import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { and, asc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import {
  clients,
  escalations,
  slaTracking,
  taskExecutions,
  workflows,
} from '../../db/schema/index.js';
import type { AdoptedFacts, AdoptedStep } from '../../workflows/business/adopt.js';
import {
  businessWorkflowId,
  legacyBusinessWorkflowId,
  temporalWorkflowTypeOf,
} from '../../workflows/business/identity.js';
import { staticDetails, staticSummary } from '../../workflows/business/summary.js';
import type { BusinessWorkflowInput } from '../../workflows/business/workflow.js';
import {
  getDefinition,
  latestVersion,
  type WorkflowType,
} from '../../workflows/definitions/index.js';
import { CHANNELS, TERMINAL_WORKFLOW_STATUSES, type Channel } from '../../workflows/vocabulary.js';
import type { WorkflowServiceDeps } from './business-workflows.js';

// The cut-over from the poller: business workflows open in Postgres that no Temporal workflow
// owns (written the old way, temporal_workflow_id empty) are each handed to one Temporal
// workflow, which resumes them where they stand (workflows/business/adopt.ts). The workflow ID
// is the row's, so adopting twice, even at once, starts nothing twice.

export type WorkflowRow = typeof workflows.$inferSelect;

export interface AdoptionFilters {
  type?: WorkflowType;
  /** A client's ID or name. */
  client?: string;
  limit?: number;
}

export type AdoptionResult =
  | { rowId: string; result: 'adopted'; workflowId: string; resumesAt: string | null }
  | { rowId: string; result: 'would adopt'; workflowId: string; resumesAt: string | null }
  | { rowId: string; result: 'skipped'; reason: string }
  | { rowId: string; result: 'failed'; reason: string };

/** Open rows no Temporal workflow owns, oldest first. */
export async function adoptionCandidates(
  deps: Pick<WorkflowServiceDeps, 'db'>,
  filters: AdoptionFilters,
): Promise<WorkflowRow[]> {
  const client = filters.client;
  const byClient = client
    ? /^[0-9a-f-]{36}$/i.test(client)
      ? eq(workflows.clientId, client)
      : inArray(
          workflows.clientId,
          deps.db.select({ id: clients.id }).from(clients).where(eq(clients.name, client)),
        )
    : undefined;
  return deps.db
    .select()
    .from(workflows)
    .where(
      and(
        isNull(workflows.temporalWorkflowId),
        notInArray(workflows.status, [...TERMINAL_WORKFLOW_STATUSES]),
        filters.type ? eq(workflows.workflowType, filters.type) : undefined,
        byClient,
      ),
    )
    .orderBy(asc(workflows.createdAt), asc(workflows.id))
    .limit(filters.limit ?? 100_000);
}

const ms = (d: Date | null | undefined) => (d ? d.getTime() : undefined);

/**
 * What the old design left of a row, checked against the definition the workflow will run:
 * a reason to skip it when it does not fit (a task type the definition does not have there).
 */
export async function factsOf(
  deps: Pick<WorkflowServiceDeps, 'db'>,
  row: WorkflowRow,
): Promise<{ facts: AdoptedFacts; resumesAt: string | null } | { skip: string }> {
  const definition = getDefinition(row.workflowType, latestVersion(row.workflowType));
  const [tasks, clocks, open] = await Promise.all([
    deps.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, row.id))
      .orderBy(asc(taskExecutions.stepIndex), asc(taskExecutions.attempt)),
    deps.db.select().from(slaTracking).where(eq(slaTracking.workflowId, row.id)),
    deps.db
      .select()
      .from(escalations)
      .where(and(eq(escalations.workflowId, row.id), eq(escalations.status, 'OPEN'))),
  ]);
  const steps: AdoptedStep[] = [];
  for (const task of tasks) {
    const def = definition.steps[task.stepIndex];
    if (def?.taskType !== task.taskType) {
      return {
        skip: `step ${task.stepIndex + 1} is ${task.taskType}, not ${def?.taskType ?? 'a step'} of ${row.workflowType} v${definition.version}`,
      };
    }
    let step = steps.find((s) => s.index === task.stepIndex);
    if (!step) steps.push((step = { index: task.stepIndex, attempts: [] }));
    step.attempts.push({
      taskExecutionId: task.id,
      attempt: task.attempt,
      status: task.status,
      executor: task.executorType,
      agent: task.agentName ?? undefined,
      channel: CHANNELS.includes(task.channel as Channel) ? (task.channel as Channel) : undefined,
      startedAt: ms(task.startedAt),
      output: task.outputData ?? undefined,
      error: task.errorMessage
        ? { message: task.errorMessage, retryable: task.errorRetryable ?? true }
        : undefined,
    });
    const clock = clocks.find((c) => c.taskExecutionId === task.id && c.status === 'ACTIVE');
    if (clock) {
      step.sla = {
        id: clock.id,
        startedAt: clock.startedAt.getTime(),
        dueAt: clock.dueAt.getTime(),
        reached: Object.fromEntries(
          (
            [
              ['YELLOW', clock.yellowAt],
              ['ORANGE', clock.orangeAt],
              ['RED', clock.redAt],
              ['BREACHED', clock.breachedAt],
            ] as const
          )
            .filter(([, at]) => at !== null)
            .map(([level, at]) => [level, at!.getTime()]),
        ),
      };
    }
    const esc = open.find((e) => e.taskExecutionId === task.id);
    if (esc) {
      step.escalation = {
        id: esc.id,
        trigger: esc.trigger,
        reason: esc.reason,
        openedAt: esc.createdAt.getTime(),
        assignedTo: esc.assignedTo ?? undefined,
      };
    }
  }
  const unfinished = steps.filter(
    (s) => !s.attempts.some((a) => a.status === 'COMPLETED' || a.status === 'SKIPPED'),
  );
  const started = unfinished.filter((s) => s.attempts.some((a) => a.status !== 'PENDING'));
  if (started.length > 1) {
    return { skip: `${started.length} steps are under way at once (the old design runs one)` };
  }
  const resumesAt =
    definition.steps.find(
      (_, i) =>
        !steps
          .find((s) => s.index === i)
          ?.attempts.some((a) => a.status === 'COMPLETED' || a.status === 'SKIPPED'),
    )?.taskType ?? null;
  return {
    facts: {
      startedAt: (row.startedAt ?? row.createdAt).getTime(),
      dueAt: ms(row.dueAt),
      steps,
    },
    resumesAt,
  };
}

/**
 * Starts the workflow that adopts `row` (unless dryRun). Its ID is the row's: when a run of
 * it exists already (another adopt under way, or one before), it is skipped, not started again.
 */
export async function adoptRow(
  deps: WorkflowServiceDeps,
  row: WorkflowRow,
  opts: { dryRun?: boolean; timeScale?: number } = {},
): Promise<AdoptionResult> {
  const workflowId = businessWorkflowId(row.workflowType, row.id);
  try {
    // A row the API wrote before IDs named the business type may run under the old ID.
    await deps.client.workflow.getHandle(legacyBusinessWorkflowId(row.id)).describe();
    return { rowId: row.id, result: 'skipped', reason: 'owned by a running workflow (old ID)' };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const read = await factsOf(deps, row);
  if ('skip' in read) return { rowId: row.id, result: 'skipped', reason: read.skip };
  if (opts.dryRun) {
    const exists = await deps.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(() => true)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      });
    return exists
      ? { rowId: row.id, result: 'skipped', reason: 'already adopted' }
      : { rowId: row.id, result: 'would adopt', workflowId, resumesAt: read.resumesAt };
  }
  const [client] = await deps.db
    .select({ name: clients.name })
    .from(clients)
    .where(eq(clients.id, row.clientId));
  const input: BusinessWorkflowInput = {
    workflowRowId: row.id,
    workflowType: row.workflowType,
    definitionVersion: latestVersion(row.workflowType),
    priority: row.priority,
    clientId: row.clientId,
    metadata: row.metadata,
    clientName: client?.name,
    title: row.title,
    ...(opts.timeScale !== undefined && opts.timeScale !== 1 ? { timeScale: opts.timeScale } : {}),
    adopt: read.facts,
  };
  const view = { ...row, clientName: client?.name };
  try {
    await deps.client.workflow.start(temporalWorkflowTypeOf(workflowId, row.workflowType), {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: staticSummary(view),
      staticDetails: staticDetails({ ...view, rowId: row.id }),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { rowId: row.id, result: 'skipped', reason: 'already adopted' };
    }
    throw err;
  }
  return { rowId: row.id, result: 'adopted', workflowId, resumesAt: read.resumesAt };
}
