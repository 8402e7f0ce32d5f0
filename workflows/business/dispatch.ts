import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { chooseAgent, outcomeDeadline } from '../definitions/index.js';
import { flushed, n8n, refusalIn, takeQueued, writeDurably } from './activities.js';
import { startRunning, startWaiting } from './attempt.js';
import { documentsOf, outcomeFor, type Run, type Step, type StepResult } from './context.js';
import { errorMessage } from './records.js';
import type { Attempt } from './state.js';
import { publish } from './status.js';

// Starting an attempt: a wait for an inbound event, or the agent call through n8n.

/** Starts the current attempt: a wait for an inbound event, or the agent call. */
export async function begin(step: Step, attempt: Attempt): Promise<StepResult> {
  const { run, def } = step;
  if (def.awaits && (!def.agent || documentsOf(run, def.awaits.kind).length === 0)) {
    await startWaiting(step, attempt, def.awaits.kind);
    step.state.nextFollowUpAt ??= Date.now() + def.awaits.followUpEvery;
    return 'continue';
  }
  return dispatch(step, attempt);
}

/**
 * Hands the attempt to its agent: the row RUNNING, then the dispatch activity. Returns once
 * n8n took it (the outcome then has the step's deadline), the dispatch failed for good, or the
 * outcome came first.
 */
export async function dispatch(step: Step, attempt: Attempt): Promise<StepResult> {
  const { run, def } = step;
  const { agent, channel } = chooseAgent(def, run.state.outputs, attempt.override);
  const taskInput = {
    workflow: {
      id: run.rowId,
      type: run.input.workflowType,
      priority: run.input.priority,
      metadata: run.input.metadata,
    },
    previousOutputs: Object.fromEntries(
      def.inputsFrom.map((t) => [t, run.state.outputs[t] ?? null]),
    ),
    ...(def.awaits ? { documents: documentsOf(run, def.awaits.kind) } : {}),
    ...(attempt.override?.note ? { instructions: attempt.override.note } : {}),
  };
  await startRunning(step, attempt, { agent, channel, input: taskInput });
  publish(run);
  // Its own scope: cancelled when the run ends while it still retries (settleDispatches).
  const scope = new CancellationScope();
  const sent = scope.run(() =>
    carryingWrites({
      taskExecutionId: attempt.taskExecutionId,
      workflowId: run.rowId,
      temporalWorkflowId: workflowInfo().workflowId,
      taskType: def.taskType,
      agent,
      channel,
      attempt: attempt.attempt,
      input: taskInput,
      idempotencyKey: attempt.taskExecutionId,
    }),
  );
  run.dispatching.set(attempt.taskExecutionId, scope);
  sent.then(
    () => run.dispatching.delete(attempt.taskExecutionId),
    () => run.dispatching.delete(attempt.taskExecutionId),
  );
  if (patched('outcome-can-overtake-dispatch')) {
    // n8n may have done the work although its answer to the dispatch got lost (and the
    // activity retries): an outcome that arrives first ends the wait for the dispatch,
    // which then finishes, or gives up, on its own.
    let settled = false;
    let failure: unknown;
    sent.then(
      () => (settled = true),
      (err: unknown) => {
        settled = true;
        failure = err;
      },
    );
    await condition(() => settled || outcomeFor(run, attempt) !== undefined);
    if (settled && failure !== undefined) dispatchFailed(run, attempt, failure);
    else if (
      settled &&
      outcomeFor(run, attempt) === undefined &&
      // Histories from before the deadline replay without it (no timer in running()).
      patched('outcome-deadline')
    ) {
      // n8n has the task: from now on the outcome has the step's deadline. A callback that
      // never arrives (n8n crashed, the API was down past n8n's retries) costs one retry.
      attempt.outcomeDueAt = Date.now() + outcomeDeadline(def);
    }
  } else {
    try {
      await sent;
    } catch (err) {
      dispatchFailed(run, attempt, err);
    }
  }
  return 'continue';
}

/**
 * The dispatch, carrying the writes queued in this task (an Update's task: the attempt RUNNING,
 * the step before finished): n8n gets the task only once they are made. Should they fail (the
 * database down) or the dispatch be cancelled before it made them, they are made as a normal
 * activity, which waits the outage out (and, failed, the task is dispatched again).
 */
async function carryingWrites(request: Parameters<typeof n8n.dispatchTask>[0]) {
  const writes = takeQueued();
  if (writes.length === 0) return n8n.dispatchTask(request);
  await flushed();
  try {
    return await n8n.dispatchTask({ ...request, writes });
  } catch (err) {
    const writesFailed = err instanceof ActivityFailure && failureType(err) === 'WritesFailedError';
    if (!writesFailed && !isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => writeDurably(writes));
    if (!writesFailed) throw err;
    return n8n.dispatchTask(request);
  }
}

function failureType(err: ActivityFailure): string | undefined {
  const cause = err.cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The dispatch failed for good (4xx, or n8n unreachable for an hour): a failed attempt. */
function dispatchFailed(run: Run, attempt: Attempt, err: unknown): void {
  // The writes it carried were refused for good: that fails the run, not the attempt.
  if (isCancellation(err) || refusalIn(err)) throw err;
  const id = attempt.taskExecutionId;
  if (attempt.phase !== 'RUNNING' || run.state.appliedOutcomes[id]) return;
  if (run.state.pendingOutcome?.taskExecutionId === id) return;
  run.state.pendingOutcome = {
    taskExecutionId: id,
    attempt: attempt.attempt,
    status: 'FAILED',
    error: {
      message: `Dispatch to n8n failed: ${errorMessage(err)}`,
      retryable: false,
      code: 'DISPATCH_FAILED',
    },
  };
}
