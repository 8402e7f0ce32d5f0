import {
  allHandlersFinished,
  type CancellationScope,
  condition,
  continueAsNew,
  log,
  patched,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { AuditInput, NotificationInput } from '../../activities/database.js';
import { writesSettled } from './activities.js';
import {
  slaFor,
  totalSla,
  type StepDefinition,
  type WorkflowDefinition,
} from '../definitions/index.js';
import type { TaskOutcome } from './messages.js';
import type { Attempt, BusinessState, BusinessWorkflowInput, StepState } from './state.js';
import type { businessWorkflow } from './workflow.js';

/** One business workflow while it runs: what every part of its code reads and changes. */
export interface Run {
  input: BusinessWorkflowInput;
  definition: WorkflowDefinition;
  steps: StepDefinition[];
  rowId: string;
  /** Everything that must survive continue-as-new lives here. */
  state: BusinessState;
  /** SLA level writes in flight (continue-as-new waits for them). */
  ladderBusy: number;
  finished: boolean;
  /** Search attribute values this run has upserted (a new run publishes afresh). */
  published: Record<string, string | null>;
  /**
   * Dispatch activities still running, by task execution: an outcome can overtake n8n's
   * answer to its dispatch, and the dispatch may still be retrying then.
   */
  dispatching: Map<string, CancellationScope>;
}

/** What a phase of a step tells the step loop: go on, or how the step ended. */
export type StepResult = 'done' | 'skipped' | 'cancel' | 'continue';

export type Actor = Pick<AuditInput, 'actorType' | 'actorId' | 'actorName'>;
export const SYSTEM: Actor = { actorType: 'SYSTEM', actorId: 'rexera-workflow' };

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

export function newState(
  input: BusinessWorkflowInput,
  definition: WorkflowDefinition,
): BusinessState {
  const startedAt = Date.now();
  return {
    initialized: false,
    startedAt,
    dueAt: startedAt + totalSla(definition, input.priority),
    stepIndex: 0,
    steps: definition.steps.map((step) => ({
      status: 'PENDING',
      attempts: [newAttempt(step, 1)],
      slaRedPending: false,
      followUpsSent: 0,
    })),
    outputs: {},
    appliedOutcomes: {},
    resolvedEscalations: {},
    documents: {},
  };
}

export function newAttempt(
  step: StepDefinition,
  attempt: number,
  override?: Attempt['override'],
): Attempt {
  return {
    taskExecutionId: uuid4(),
    attempt,
    executor: step.agent ? 'AI_AGENT' : 'SYSTEM',
    phase: 'PENDING',
    agent: step.agent?.defaultAgent,
    override,
  };
}

export const current = (s: StepState): Attempt => s.attempts[s.attempts.length - 1]!;

export function findAttempt(run: Run, taskExecutionId: string) {
  for (const [stepIndex, s] of run.state.steps.entries()) {
    const attempt = s.attempts.find((a) => a.taskExecutionId === taskExecutionId);
    if (attempt) return { stepIndex, step: run.steps[stepIndex]!, s, attempt };
  }
  return undefined;
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

export function taskRow(run: Run, i: number, a: Attempt) {
  const step = run.steps[i]!;
  return {
    id: a.taskExecutionId,
    workflowRowId: run.rowId,
    stepIndex: i,
    attempt: a.attempt,
    taskType: step.taskType,
    title: step.title,
    description: step.description,
    executorType: a.executor,
    agentName: a.executor === 'AI_AGENT' ? (a.override?.agent ?? a.agent) : undefined,
    slaSeconds: Math.round(slaFor(step, run.input.priority) / 1000),
  };
}

export const unrecorded = (run: Run) =>
  Object.values(run.state.documents).filter((d) => !d.recorded);

export const documentsOf = (run: Run, kind: string) =>
  Object.values(run.state.documents)
    .filter((d) => d.kind === kind)
    .map(({ documentId, filename, storageUrl, mimeType, source, metadata }) => ({
      documentId,
      filename,
      storageUrl,
      mimeType,
      source,
      metadata,
    }));

export const outcomeFor = (run: Run, a: Attempt) =>
  run.state.pendingOutcome?.taskExecutionId === a.taskExecutionId
    ? run.state.pendingOutcome
    : undefined;

export function takeOutcome(run: Run, a: Attempt): TaskOutcome | undefined {
  const outcome = outcomeFor(run, a);
  if (outcome) run.state.pendingOutcome = undefined;
  return outcome;
}

export async function maybeContinueAsNew(run: Run): Promise<void> {
  const info = workflowInfo();
  const limit = run.input.maxHistoryEvents;
  if (!info.continueAsNewSuggested && !(limit !== undefined && info.historyLength >= limit)) return;
  await settleDispatches(run);
  await condition(
    () =>
      run.ladderBusy === 0 &&
      unrecorded(run).length === 0 &&
      allHandlersFinished() &&
      writesSettled(),
  );
  log.info('continuing as new', { historyLength: info.historyLength, step: run.state.stepIndex });
  await continueAsNew<typeof businessWorkflow>({ ...run.input, resume: run.state });
}

/**
 * Ends the dispatches still running before the run ends (or continues as new): their outcome
 * is in, so they are cancelled, and waited for until the server has them cancelled. An
 * activity outliving its run is answered NotFound, and the time-skipping test server then
 * never skips time again. Usually nothing runs here: only a dispatch whose outcome overtook
 * n8n's acknowledgement (and which may be retrying a lost answer) is still running.
 */
export async function settleDispatches(run: Run): Promise<void> {
  // Histories from before replay without it.
  if (run.dispatching.size > 0 && patched('settle-dispatches-before-ending')) {
    for (const scope of run.dispatching.values()) scope.cancel();
    await condition(() => run.dispatching.size === 0);
  }
}
