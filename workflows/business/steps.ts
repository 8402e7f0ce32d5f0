import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { backoffBefore, chooseAgent, outcomeDeadline } from '../definitions/index.js';
import { channels, db, flushed, n8n, takeQueued, writeDurably } from './activities.js';
import { escalate, escalated } from './escalations.js';
import { invoiceOutputSchema } from './invoice.js';
import type { TaskOutcome } from './messages.js';
import { publish } from './report.js';
import {
  audit,
  current,
  documentsOf,
  errorMessage,
  maybeContinueAsNew,
  newAttempt,
  outcomeFor,
  SYSTEM,
  takeOutcome,
  taskRow,
  type Actor,
  type Run,
  type StepResult,
} from './run.js';
import { openSlaClock, runLadder } from './sla.js';
import type { Attempt, StepState } from './state.js';

// One step: start the attempt (a wait or the agent call), wait for its end, retry or escalate.

export async function runStep(run: Run, i: number): Promise<'done' | 'skipped' | 'cancel'> {
  const s = run.state.steps[i]!;
  const step = run.steps[i]!;
  let ladder = s.sla ? runLadder(run, i) : undefined;
  try {
    for (;;) {
      let result: StepResult;
      const a = current(s);
      if (run.state.escalation) result = await escalated(run, i);
      else if (a.phase === 'PENDING') {
        if (!s.sla) {
          openSlaClock(run, i);
          ladder = runLadder(run, i);
        }
        result = await begin(run, i, a);
      } else if (a.phase === 'WAITING') result = await waiting(run, i, a);
      else if (a.phase === 'RUNNING') result = await running(run, i, a);
      else
        result = escalate(run, i, 'RETRIES_EXHAUSTED', 'The last attempt ended without a result.');
      publish(run);
      if (result === 'continue') continue;
      // The write that ended the step (finishAttempt or createAttempt) stopped its SLA clock.
      if (result !== 'cancel') s.status = result === 'done' ? 'COMPLETED' : 'SKIPPED';
      log.info('step ended', { step: step.taskType, result });
      return result;
    }
  } finally {
    await ladder?.stop();
  }
}

/** Starts the current attempt: a wait for an inbound event, or the agent call. */
export async function begin(run: Run, i: number, a: Attempt): Promise<StepResult> {
  const step = run.steps[i]!;
  const s = run.state.steps[i]!;
  if (step.awaits && (!step.agent || documentsOf(run, step.awaits.kind).length === 0)) {
    await db.startAttempt({
      taskExecutionId: a.taskExecutionId,
      workflowRowId: run.rowId,
      status: 'WAITING',
      startedAt: Date.now(),
      inputData: { waitingFor: step.awaits.kind },
      sla: slaRow(s, a),
      audit: audit('task.waiting', 'task_execution', a.taskExecutionId, {
        taskType: step.taskType,
        waitingFor: step.awaits.kind,
      }),
    });
    a.phase = 'WAITING';
    s.status = 'WAITING';
    s.nextFollowUpAt ??= Date.now() + step.awaits.followUpEvery;
    return 'continue';
  }
  return dispatch(run, i, a);
}

export function slaRow(s: StepState, a: Attempt) {
  const clock = s.sla!;
  return a === s.attempts[0]
    ? {
        id: clock.slaId,
        slaSeconds: Math.round((clock.dueAt - clock.startedAt) / 1000),
        startedAt: clock.startedAt,
        dueAt: clock.dueAt,
      }
    : undefined;
}

export async function dispatch(run: Run, i: number, a: Attempt): Promise<StepResult> {
  const step = run.steps[i]!;
  const s = run.state.steps[i]!;
  const { agent, channel } = chooseAgent(step, run.state.outputs, a.override);
  const taskInput = {
    workflow: {
      id: run.rowId,
      type: run.input.workflowType,
      priority: run.input.priority,
      metadata: run.input.metadata,
    },
    previousOutputs: Object.fromEntries(
      step.inputsFrom.map((t) => [t, run.state.outputs[t] ?? null]),
    ),
    ...(step.awaits ? { documents: documentsOf(run, step.awaits.kind) } : {}),
    ...(a.override?.note ? { instructions: a.override.note } : {}),
  };
  await db.startAttempt({
    taskExecutionId: a.taskExecutionId,
    workflowRowId: run.rowId,
    status: 'RUNNING',
    startedAt: Date.now(),
    agentName: agent,
    channel,
    inputData: taskInput,
    sla: slaRow(s, a),
    audit: audit('task.started', 'task_execution', a.taskExecutionId, {
      taskType: step.taskType,
      agent,
      channel,
      attempt: a.attempt,
    }),
  });
  a.agent = agent;
  a.channel = channel;
  a.phase = 'RUNNING';
  s.status = 'RUNNING';
  publish(run);
  // Its own scope: cancelled when the run ends while it still retries (settleDispatches).
  const scope = new CancellationScope();
  const sent = scope.run(() =>
    carryingWrites({
      taskExecutionId: a.taskExecutionId,
      workflowId: run.rowId,
      temporalWorkflowId: workflowInfo().workflowId,
      taskType: step.taskType,
      agent,
      channel,
      attempt: a.attempt,
      input: taskInput,
      idempotencyKey: a.taskExecutionId,
    }),
  );
  run.dispatching.set(a.taskExecutionId, scope);
  sent.then(
    () => run.dispatching.delete(a.taskExecutionId),
    () => run.dispatching.delete(a.taskExecutionId),
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
    await condition(() => settled || outcomeFor(run, a) !== undefined);
    if (settled && failure !== undefined) dispatchFailed(run, a, failure);
    else if (
      settled &&
      outcomeFor(run, a) === undefined &&
      // Histories from before the deadline replay without it (no timer in running()).
      patched('outcome-deadline')
    ) {
      // n8n has the task: from now on the outcome has the step's deadline. A callback that
      // never arrives (n8n crashed, the API was down past n8n's retries) costs one retry.
      a.outcomeDueAt = Date.now() + outcomeDeadline(step);
    }
  } else {
    try {
      await sent;
    } catch (err) {
      dispatchFailed(run, a, err);
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
function dispatchFailed(run: Run, a: Attempt, err: unknown): void {
  if (isCancellation(err)) throw err;
  if (a.phase !== 'RUNNING' || run.state.appliedOutcomes[a.taskExecutionId]) return;
  if (run.state.pendingOutcome?.taskExecutionId === a.taskExecutionId) return;
  run.state.pendingOutcome = {
    taskExecutionId: a.taskExecutionId,
    attempt: a.attempt,
    status: 'FAILED',
    error: {
      message: `Dispatch to n8n failed: ${errorMessage(err)}`,
      retryable: false,
      code: 'DISPATCH_FAILED',
    },
  };
}

/** Waits for the inbound event, following up on schedule; escalates when the SLA goes RED. */
export async function waiting(run: Run, i: number, a: Attempt): Promise<StepResult> {
  const step = run.steps[i]!;
  const s = run.state.steps[i]!;
  const kind = step.awaits!.kind;
  for (;;) {
    if (documentsOf(run, kind).length > 0) {
      if (step.agent) return dispatch(run, i, a);
      await finish(run, i, a, 'COMPLETED', { documents: documentsOf(run, kind) });
      return 'done';
    }
    if (s.slaRedPending) {
      return escalate(run, i, 'SLA_RED', `${step.title}: no ${kind} after 95% of the SLA.`);
    }
    const followUpsLeft = s.followUpsSent < step.awaits!.maxFollowUps;
    const wait = followUpsLeft ? Math.max(0, s.nextFollowUpAt! - Date.now()) : undefined;
    const woke = await condition(
      () => documentsOf(run, kind).length > 0 || s.slaRedPending,
      wait as number,
    );
    if (!woke && followUpsLeft) {
      s.followUpsSent++;
      const followUp = {
        communicationId: uuid4(),
        channel: step.awaits!.followUpChannel,
        to: contactEmail(run, i),
        subject: `Follow-up ${s.followUpsSent}: ${kind.replace('_', ' ').toLowerCase()} request`,
        body: `Following up on our request for ${kind} (${JSON.stringify(run.input.metadata)}).`,
      };
      await db.recordFollowUp({
        id: followUp.communicationId,
        workflowRowId: run.rowId,
        taskExecutionId: a.taskExecutionId,
        channel: followUp.channel,
        number: s.followUpsSent,
        subject: followUp.subject,
        body: followUp.body,
        recipient: followUp.to,
        at: Date.now(),
        audit: audit('followup.queued', 'task_execution', a.taskExecutionId, {
          number: s.followUpsSent,
          kind,
        }),
      });
      // Histories from before n8n sent follow-ups replay without the send; a running workflow
      // of that code sends its next follow-up through n8n after the deploy.
      if (patched('follow-ups-sent-through-n8n')) {
        await sendFollowUp(run, a, followUp);
      }
      s.nextFollowUpAt = s.nextFollowUpAt! + step.awaits!.followUpEvery;
      await maybeContinueAsNew(run);
    }
  }
}

/** The counterparty's address found by an earlier step (the lender's or the HOA's contact). */
function contactEmail(run: Run, i: number): string | undefined {
  for (const step of run.steps.slice(0, i).reverse()) {
    const email = run.state.outputs[step.taskType]?.email;
    if (typeof email === 'string' && email.length > 0) return email;
  }
  return undefined;
}

/**
 * Hands a queued follow-up to n8n's channel connector and records what came of it. A send
 * that fails for good marks the message FAILED; the wait goes on (the SLA ladder still
 * escalates a counterparty that never answers).
 */
async function sendFollowUp(
  run: Run,
  a: Attempt,
  msg: { communicationId: string; channel: string; to?: string; subject: string; body: string },
): Promise<void> {
  const result = msg.to
    ? await send(run, a, { ...msg, to: msg.to })
    : ({
        status: 'FAILED',
        error: 'No recipient: no earlier step found a contact address.',
      } as const);
  await db.markCommunication({
    communicationId: msg.communicationId,
    workflowRowId: run.rowId,
    ...result,
    at: Date.now(),
    audit: audit(
      result.status === 'SENT' ? 'communication.sent' : 'communication.failed',
      'communication',
      msg.communicationId,
      result.status === 'SENT'
        ? { providerMessageId: result.providerMessageId, channel: msg.channel, to: msg.to }
        : { error: result.error, channel: msg.channel, to: msg.to },
    ),
  });
}

/** One outbound message through n8n: SENT with the provider's ID, or FAILED with why. */
async function send(
  run: Run,
  a: Attempt,
  msg: { communicationId: string; channel: string; to: string; subject: string; body: string },
): Promise<{ status: 'SENT'; providerMessageId: string } | { status: 'FAILED'; error: string }> {
  try {
    const sent = await channels.sendCommunication({
      ...msg,
      workflowId: run.rowId,
      taskExecutionId: a.taskExecutionId,
      idempotencyKey: msg.communicationId,
    });
    return { status: 'SENT', providerMessageId: sent.providerMessageId };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { status: 'FAILED', error: errorMessage(err) };
  }
}

/**
 * Waits for the agent's outcome until the attempt's deadline; escalates when the SLA goes RED
 * first. An outcome that comes with the deadline still counts.
 */
export async function running(run: Run, i: number, a: Attempt): Promise<StepResult> {
  const s = run.state.steps[i]!;
  const step = run.steps[i]!;
  const due = a.outcomeDueAt;
  const arrived = () => outcomeFor(run, a) !== undefined || s.slaRedPending;
  if (due === undefined) await condition(arrived);
  else await condition(arrived, Math.max(1, due - Date.now()));
  const outcome = takeOutcome(run, a);
  if (outcome) return applyOutcome(run, i, a, outcome);
  if (s.slaRedPending)
    return escalate(
      run,
      i,
      'SLA_RED',
      `${step.title}: no result from ${a.agent} after 95% of the SLA.`,
    );
  return applyOutcome(run, i, a, lostOutcome(run, a, due!), SYSTEM);
}

/**
 * The outcome recorded for an attempt whose own never came by its deadline: FAILED and
 * retryable. Recorded as applied at once, so the real one, should it come late, is `stale`.
 */
function lostOutcome(run: Run, a: Attempt, due: number): TaskOutcome {
  const lost: TaskOutcome = {
    taskExecutionId: a.taskExecutionId,
    attempt: a.attempt,
    status: 'FAILED',
    error: {
      message: `No outcome from the agent (${a.agent ?? 'unknown'}) by its deadline, ${new Date(due).toISOString()}: the attempt is counted as lost.`,
      retryable: true,
      code: 'NO_OUTCOME',
    },
  };
  run.state.appliedOutcomes[a.taskExecutionId] = JSON.stringify(lost);
  log.warn('no outcome by the deadline; the attempt counts as lost', {
    taskExecutionId: a.taskExecutionId,
    attempt: a.attempt,
  });
  return lost;
}

/** Records an outcome (by default the agent's own) and decides: done, retry or escalate. */
export async function applyOutcome(
  run: Run,
  i: number,
  a: Attempt,
  outcome: TaskOutcome,
  reporter?: Actor,
): Promise<StepResult> {
  const step = run.steps[i]!;
  const s = run.state.steps[i]!;
  const agentActor: Actor = reporter ?? {
    actorType: 'AGENT',
    actorId: a.agent ?? 'unknown',
    actorName: a.agent,
  };
  if (outcome.status === 'COMPLETED') {
    await finish(run, i, a, 'COMPLETED', outcome.output, agentActor);
    return 'done';
  }
  if (outcome.status === 'NEEDS_HUMAN') {
    await finish(run, i, a, 'FAILED', undefined, agentActor, {
      message: `Agent asked for a human: ${outcome.reason}`,
      retryable: false,
    });
    return escalate(run, i, 'AGENT_NEEDS_HUMAN', outcome.reason);
  }
  await finish(run, i, a, 'FAILED', undefined, agentActor, outcome.error);
  if (!outcome.error.retryable) {
    return escalate(run, i, 'NON_RETRYABLE_FAILURE', outcome.error.message);
  }
  if (a.attempt >= step.retry.maxAttempts) {
    return escalate(
      run,
      i,
      'RETRIES_EXHAUSTED',
      `${a.attempt} attempts failed; last: ${outcome.error.message}`,
    );
  }
  // Durable backoff; the SLA ladder keeps running and may escalate first.
  const redFirst = await condition(() => s.slaRedPending, backoffBefore(step, a.attempt + 1));
  if (redFirst) return escalate(run, i, 'SLA_RED', `${step.title}: SLA at 95% while retrying.`);
  await addAttempt(run, i);
  return 'continue';
}

export async function addAttempt(
  run: Run,
  i: number,
  override?: Attempt['override'],
): Promise<Attempt> {
  const step = run.steps[i]!;
  const s = run.state.steps[i]!;
  const next = newAttempt(step, current(s).attempt + 1, override);
  await db.createAttempt({
    task: taskRow(run, i, next),
    audit: audit('task.retry_scheduled', 'task_execution', next.taskExecutionId, {
      taskType: step.taskType,
      attempt: next.attempt,
      ...override,
    }),
  });
  s.attempts.push(next);
  return next;
}

export async function finish(
  run: Run,
  i: number,
  a: Attempt,
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED',
  output?: Record<string, unknown>,
  actor: Actor = SYSTEM,
  error?: { message: string; retryable: boolean },
) {
  const step = run.steps[i]!;
  await db.finishAttempt({
    taskExecutionId: a.taskExecutionId,
    workflowRowId: run.rowId,
    status,
    completedAt: Date.now(),
    outputData: output,
    errorMessage: error?.message,
    errorRetryable: error?.retryable,
    closeSlaId: status === 'COMPLETED' ? run.state.steps[i]!.sla?.slaId : undefined,
    audit: audit(
      `task.${status.toLowerCase()}`,
      'task_execution',
      a.taskExecutionId,
      { taskType: step.taskType, attempt: a.attempt, ...(error ? { error: error.message } : {}) },
      actor,
    ),
  });
  a.phase = 'DONE';
  if (status === 'COMPLETED' && output) await recordOutput(run, i, a.taskExecutionId, output);
}

export async function recordOutput(
  run: Run,
  i: number,
  taskExecutionId: string,
  output: Record<string, unknown>,
) {
  const step = run.steps[i]!;
  run.state.outputs[step.taskType] = output;
  if (step.taskType !== 'generate_invoice') return;
  const invoice = invoiceOutputSchema.parse(output);
  const invoiceId = uuid4();
  await db.createInvoice({
    id: invoiceId,
    workflowRowId: run.rowId,
    taskExecutionId,
    invoiceNumber: `INV-${invoiceId.slice(0, 8).toUpperCase()}`,
    currency: invoice.currency,
    tax: invoice.tax,
    dueDate: invoice.dueDate,
    lines: invoice.lines.map((l) => ({
      id: uuid4(),
      description: l.description,
      category: l.category,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
    })),
    at: Date.now(),
    audit: audit('invoice.issued', 'invoice', invoiceId, { lines: invoice.lines.length }),
  });
}
