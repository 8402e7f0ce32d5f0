import { uuid4 } from '@temporalio/workflow';
import { db } from './activities.js';
import { current, type Step } from './context.js';
import type { AttemptResult } from './decisions.js';
import { invoiceOutputSchema } from './invoice.js';
import type { EscalationResolution } from './messages.js';
import { audit, slaRow, SYSTEM, taskRow, type Actor } from './records.js';
import { newAttempt, type Attempt } from './state.js';

// The one writer of attempts (task_executions rows): every phase starts, finishes and adds
// attempts through here, each write one activity with its audit event, and the in-memory
// attempt updated after the write.

/** The attempt waits for an inbound event (a document); its follow-ups are scheduled. */
export async function startWaiting(step: Step, attempt: Attempt, kind: string): Promise<void> {
  await db.startAttempt({
    taskExecutionId: attempt.taskExecutionId,
    workflowRowId: step.run.rowId,
    status: 'WAITING',
    startedAt: Date.now(),
    inputData: { waitingFor: kind },
    sla: slaRow(step, attempt),
    audit: audit('task.waiting', 'task_execution', attempt.taskExecutionId, {
      taskType: step.def.taskType,
      waitingFor: kind,
    }),
  });
  attempt.phase = 'WAITING';
  step.state.status = 'WAITING';
}

/** The attempt is handed to an agent (the dispatch follows). */
export async function startRunning(
  step: Step,
  attempt: Attempt,
  to: { agent?: string; channel?: Attempt['channel']; input: Record<string, unknown> },
): Promise<void> {
  await db.startAttempt({
    taskExecutionId: attempt.taskExecutionId,
    workflowRowId: step.run.rowId,
    status: 'RUNNING',
    startedAt: Date.now(),
    agentName: to.agent,
    channel: to.channel,
    inputData: to.input,
    sla: slaRow(step, attempt),
    audit: audit('task.started', 'task_execution', attempt.taskExecutionId, {
      taskType: step.def.taskType,
      agent: to.agent,
      channel: to.channel,
      attempt: attempt.attempt,
    }),
  });
  attempt.agent = to.agent;
  attempt.channel = to.channel;
  attempt.phase = 'RUNNING';
  step.state.status = 'RUNNING';
}

/** Ends an attempt; a COMPLETED one stops the step's SLA clock and records its output. */
export async function finish(
  step: Step,
  attempt: Attempt,
  result: AttemptResult,
  actor: Actor = SYSTEM,
): Promise<void> {
  const error = result.status === 'FAILED' ? result.error : undefined;
  const output = result.status === 'COMPLETED' ? result.output : undefined;
  await db.finishAttempt({
    taskExecutionId: attempt.taskExecutionId,
    workflowRowId: step.run.rowId,
    status: result.status,
    completedAt: Date.now(),
    outputData: output,
    errorMessage: error?.message,
    errorRetryable: error?.retryable,
    closeSlaId: result.status === 'COMPLETED' ? step.state.sla?.slaId : undefined,
    audit: audit(
      `task.${result.status.toLowerCase()}`,
      'task_execution',
      attempt.taskExecutionId,
      {
        taskType: step.def.taskType,
        attempt: attempt.attempt,
        ...(error ? { error: error.message } : {}),
      },
      actor,
    ),
  });
  attempt.phase = 'DONE';
  if (output) await recordOutput(step, attempt.taskExecutionId, output);
}

/** The step's next attempt (a retry; with a person's choice of agent or channel after HIL). */
export async function addAttempt(step: Step, override?: Attempt['override']): Promise<Attempt> {
  const next = newAttempt(step.def, current(step.state).attempt + 1, override);
  await db.createAttempt({
    task: taskRow(step, next),
    audit: audit('task.retry_scheduled', 'task_execution', next.taskExecutionId, {
      taskType: step.def.taskType,
      attempt: next.attempt,
      ...override,
    }),
  });
  step.state.attempts.push(next);
  return next;
}

/**
 * A person completed or skipped the step (an HIL decision): an attempt of its own, written
 * already ended, which stops the SLA clock. A completed one records its output.
 */
export async function endedByHuman(
  step: Step,
  decision: Extract<EscalationResolution, { action: 'COMPLETE' | 'SKIP' }>,
): Promise<void> {
  const done: Attempt = {
    ...newAttempt(step.def, current(step.state).attempt + 1),
    executor: 'HIL',
    phase: 'DONE',
    agent: undefined,
  };
  const now = Date.now();
  const completed = decision.action === 'COMPLETE';
  await db.createAttempt({
    task: {
      ...taskRow(step, done),
      status: completed ? 'COMPLETED' : 'SKIPPED',
      executedBy: decision.userId,
      outputData: completed ? decision.output : undefined,
      startedAt: now,
      completedAt: now,
    },
    closeSlaId: step.state.sla?.slaId,
    audit: audit(
      completed ? 'task.completed_by_human' : 'task.skipped',
      'task_execution',
      done.taskExecutionId,
      { taskType: step.def.taskType, note: decision.note },
      { actorType: 'HUMAN', actorId: decision.userId },
    ),
  });
  step.state.attempts.push(done);
  if (completed) await recordOutput(step, done.taskExecutionId, decision.output);
}

/** Keeps a step's output for the steps after it; generate_invoice's also issues the invoice. */
async function recordOutput(
  step: Step,
  taskExecutionId: string,
  output: Record<string, unknown>,
): Promise<void> {
  step.run.state.outputs[step.def.taskType] = output;
  if (step.def.taskType !== 'generate_invoice') return;
  const invoice = invoiceOutputSchema.parse(output);
  const invoiceId = uuid4();
  await db.createInvoice({
    id: invoiceId,
    workflowRowId: step.run.rowId,
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
