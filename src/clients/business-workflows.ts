import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { clients, workflows } from '../../db/schema/index.js';
import { latestVersion, type WorkflowType } from '../../workflows/definitions/index.js';
import {
  assignEscalationUpdate,
  cancelRequestedSignal,
  documentReceivedSignal,
  documentReceivedUpdate,
  holdEscalationUpdate,
  resolveEscalationUpdate,
  taskOutcomeSignal,
  taskOutcomeUpdate,
  type AssignmentAnswer,
  type CancelRequest,
  type DocumentAnswer,
  type DocumentReceived,
  type HoldAnswer,
  type EscalationAssignment,
  type EscalationHold,
  type EscalationResolution,
  type ResolutionAnswer,
  type TaskOutcome,
  type TaskOutcomeAnswer,
} from '../../workflows/business/messages.js';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import {
  businessWorkflowId,
  legacyBusinessWorkflowId,
  temporalWorkflowTypeOf,
} from '../../workflows/business/identity.js';
import { staticDetails, staticSummary } from '../../workflows/business/summary.js';
import type { BusinessWorkflowInput } from '../../workflows/business/workflow.js';

export interface WorkflowServiceDeps {
  db: Database;
  client: Client;
  taskQueue: string;
}

/**
 * A new row's ID and its Temporal workflow ID, written together at insert (the API does it):
 * the row names its workflow before anything is started or routed.
 */
export function newWorkflowIdentity(workflowType: WorkflowType): {
  id: string;
  temporalWorkflowId: string;
} {
  const id = randomUUID();
  return { id, temporalWorkflowId: businessWorkflowId(workflowType, id) };
}

/**
 * The Temporal workflow ID of a row: the one it was given (workflows.temporal_workflow_id),
 * else, for a row written by the API before the ID named the business type, the old ID if a
 * workflow runs under it, else a new ID, written on the row first (a concurrent start that
 * wrote one before wins): one row, one workflow, ever.
 */
async function workflowIdOf(
  deps: WorkflowServiceDeps,
  row: typeof workflows.$inferSelect,
): Promise<string> {
  if (row.temporalWorkflowId) return row.temporalWorkflowId;
  const legacy = legacyBusinessWorkflowId(row.id);
  try {
    await deps.client.workflow.getHandle(legacy).describe();
    return legacy;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const [claimed] = await deps.db
    .update(workflows)
    .set({ temporalWorkflowId: businessWorkflowId(row.workflowType, row.id) })
    .where(and(eq(workflows.id, row.id), isNull(workflows.temporalWorkflowId)))
    .returning({ id: workflows.temporalWorkflowId });
  if (claimed?.id) return claimed.id;
  const [now] = await deps.db
    .select({ id: workflows.temporalWorkflowId })
    .from(workflows)
    .where(eq(workflows.id, row.id));
  return now!.id!;
}

/**
 * Starts the Temporal workflow that owns an existing `workflows` row, under the workflow type
 * and ID that name its business type (PayoffWorkflow, payoff-<row id>). The ID is the row's,
 * so a second call (a retried request, a double click) attaches to the same workflow instead
 * of starting another.
 */
export async function startBusinessWorkflow(
  deps: WorkflowServiceDeps,
  workflowRowId: string,
  opts: { maxHistoryEvents?: number; timeScale?: number; definitionVersion?: number } = {},
): Promise<{ workflowId: string; runId: string }> {
  const [found] = await deps.db
    .select({ row: workflows, clientName: clients.name })
    .from(workflows)
    .leftJoin(clients, eq(clients.id, workflows.clientId))
    .where(eq(workflows.id, workflowRowId));
  if (!found) throw new Error(`No workflows row ${workflowRowId}`);
  const { row } = found;
  const clientName = found.clientName ?? undefined;
  const version = opts.definitionVersion ?? latestVersion(row.workflowType);
  const workflowId = await workflowIdOf(deps, row);
  const input: BusinessWorkflowInput = {
    workflowRowId: row.id,
    workflowType: row.workflowType,
    definitionVersion: version,
    priority: row.priority,
    clientId: row.clientId,
    metadata: row.metadata,
    clientName,
    title: row.title,
    maxHistoryEvents: opts.maxHistoryEvents,
    // Only when shrunk: production inputs stay as they were.
    ...(opts.timeScale !== undefined && opts.timeScale !== 1 ? { timeScale: opts.timeScale } : {}),
  };
  const view = { ...row, clientName };
  const handle = await deps.client.workflow.start(
    temporalWorkflowTypeOf(workflowId, row.workflowType),
    {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Search attributes are set by the workflow itself, in its first task (one place).
      staticSummary: staticSummary(view),
      staticDetails: staticDetails({ ...view, rowId: row.id }),
    },
  );
  return { workflowId, runId: handle.firstExecutionRunId };
}

/** The workflow's validator refused a message; `type` says why (see RejectionType). */
export class MessageRejectedError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'MessageRejectedError';
  }
}

/** Temporal could not be reached: the caller should retry later. */
export class TemporalUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalUnavailableError';
  }
}

/**
 * The message found no running workflow. `workflow` says what Temporal knows: `ended` (it ran
 * and has closed), `unknown` (no workflow with that ID: never started, or its history is past
 * the namespace's retention; the `workflows` row tells which).
 */
export type Closed = { result: 'closed'; message: string; workflow: 'ended' | 'unknown' };
type Queued = { result: 'queued'; message: string };

/**
 * Sends a message to a business workflow. First as an Update, so the caller hears at once
 * what came of it; if no worker completes it within `updateTimeoutMs` (every worker down)
 * and the message has a durable Signal twin, as that Signal, which the server stores and
 * the workflow dedupes exactly like the Update: nothing is lost. A workflow that has ended
 * answers `closed`.
 */
async function deliver<Ret, Arg>(
  client: Client,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  signal: SignalDefinition<[Arg]> | undefined,
  arg: Arg,
  updateTimeoutMs = 5_000,
): Promise<Ret | Closed | Queued> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await client.connection.withDeadline(Date.now() + updateTimeoutMs, () =>
      handle.executeUpdate(update, { args: [arg] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Rejected') : 'Rejected';
      throw new MessageRejectedError(type, cause?.message ?? err.message);
    }
    const closed = closedAnswer(workflowId, err);
    if (closed) return closed;
    if (isUnavailable(err)) throw new TemporalUnavailableError(String((err as Error).message));
    if (!signal || !isDeadlineExceeded(err)) throw err;
  }
  try {
    await client.connection.withDeadline(Date.now() + updateTimeoutMs, () =>
      handle.signal(signal, arg),
    );
  } catch (err) {
    const closed = closedAnswer(workflowId, err);
    if (closed) return closed;
    if (isUnavailable(err) || isDeadlineExceeded(err)) {
      throw new TemporalUnavailableError(String((err as Error).message));
    }
    throw err;
  }
  return {
    result: 'queued',
    message:
      'No worker answered in time; the message is stored and will be applied when one is back.',
  };
}

export type DeliveryAnswer =
  | TaskOutcomeAnswer
  | (Closed & { taskExecutionId: string })
  | (Queued & { taskExecutionId: string });

/** Delivers an n8n outcome (Update, falling back to the durable Signal). */
export async function deliverTaskOutcome(
  client: Client,
  workflowId: string,
  outcome: TaskOutcome,
  opts: { updateTimeoutMs?: number } = {},
): Promise<DeliveryAnswer> {
  const answer = await deliver(
    client,
    workflowId,
    taskOutcomeUpdate,
    taskOutcomeSignal,
    outcome,
    opts.updateTimeoutMs,
  );
  return { ...answer, taskExecutionId: outcome.taskExecutionId };
}

/** Delivers an inbound document (Update, falling back to the durable Signal). */
export async function deliverDocument(
  client: Client,
  workflowId: string,
  document: DocumentReceived,
  opts: { updateTimeoutMs?: number } = {},
): Promise<DocumentAnswer | Closed | Queued> {
  return deliver(
    client,
    workflowId,
    documentReceivedUpdate,
    documentReceivedSignal,
    document,
    opts.updateTimeoutMs,
  );
}

/** An HIL command: an Update only, since the person must hear at once whether it was taken. */
async function hilCommand<Ret, Arg>(
  client: Client,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  opts: { updateTimeoutMs?: number },
): Promise<Ret | Closed> {
  try {
    return (await deliver(client, workflowId, update, undefined, arg, opts.updateTimeoutMs)) as
      Ret | Closed;
  } catch (err) {
    if (isDeadlineExceeded(err)) throw new TemporalUnavailableError('No worker answered in time.');
    throw err;
  }
}

/** An HIL decision on an open escalation. */
export function resolveEscalation(
  client: Client,
  workflowId: string,
  resolution: EscalationResolution,
  opts: { updateTimeoutMs?: number } = {},
): Promise<ResolutionAnswer | Closed> {
  return hilCommand(client, workflowId, resolveEscalationUpdate, resolution, opts);
}

/** Who works an open escalation. */
export function assignEscalation(
  client: Client,
  workflowId: string,
  assignment: EscalationAssignment,
  opts: { updateTimeoutMs?: number } = {},
): Promise<AssignmentAnswer | Closed> {
  return hilCommand(client, workflowId, assignEscalationUpdate, assignment, opts);
}

/** A manager puts an open escalation on hold for a third party, or lifts the hold. */
export function holdEscalation(
  client: Client,
  workflowId: string,
  hold: EscalationHold,
  opts: { updateTimeoutMs?: number } = {},
): Promise<HoldAnswer | Closed> {
  return hilCommand(client, workflowId, holdEscalationUpdate, hold, opts);
}

/**
 * Cancels a business workflow on behalf of a person: a Signal saying who and why, then the
 * Temporal cancel (the server keeps that order, so the workflow's audit names the person).
 * Repeating it has no second effect. An ended workflow answers `closed`.
 */
export async function requestCancellation(
  client: Client,
  workflowId: string,
  request: CancelRequest,
  opts: { timeoutMs?: number } = {},
): Promise<{ result: 'cancelling' } | Closed> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    await client.connection.withDeadline(Date.now() + (opts.timeoutMs ?? 5_000), async () => {
      await handle.signal(cancelRequestedSignal, request);
      await handle.cancel();
    });
  } catch (err) {
    const closed = closedAnswer(workflowId, err);
    if (closed) return closed;
    throw new TemporalUnavailableError(String((err as Error).message));
  }
  return { result: 'cancelling' };
}

/** The `closed` answer when `err` says the workflow has ended or does not exist. */
function closedAnswer(workflowId: string, err: unknown): Closed | undefined {
  if (isWorkflowClosed(err)) {
    return {
      result: 'closed',
      workflow: 'ended',
      message: `Workflow ${workflowId} has ended; nothing was changed.`,
    };
  }
  if (err instanceof WorkflowNotFoundError) {
    return {
      result: 'closed',
      workflow: 'unknown',
      message: `No workflow ${workflowId} (never started, or its history has expired); nothing was changed.`,
    };
  }
  return undefined;
}

function isWorkflowClosed(err: unknown): boolean {
  return /workflow execution already completed|aborted by closing workflow/i.test(
    String((err as Error)?.message ?? ''),
  );
}

function codes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    out.push((e as { code?: unknown }).code);
  }
  return out;
}

/**
 * The server cannot take the message now, and the same message later may work: gRPC
 * UNAVAILABLE (14: unreachable, or "workflow update was aborted" by the server),
 * RESOURCE_EXHAUSTED (8: rate or in-flight limits), ABORTED (10), or FAILED_PRECONDITION (9)
 * saying the workflow is not ready (its workflow task failed). A 503 for the caller, not a 500.
 */
function isUnavailable(err: unknown): boolean {
  const found = codes(err);
  if (found.includes(14) || found.includes(8) || found.includes(10)) return true;
  return found.includes(9) && /not ready|workflow task failure/i.test(messages(err));
}

function messages(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const { details, message } = e as { details?: unknown; message?: unknown };
    if (typeof details === 'string') out.push(details);
    if (typeof message === 'string') out.push(message);
  }
  return out.join(' ');
}

function isDeadlineExceeded(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 4 || /deadline/i.test(String((e as Error).message ?? ''))) return true;
  }
  return false;
}
