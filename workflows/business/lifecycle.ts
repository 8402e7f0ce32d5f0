import { ApplicationFailure, condition, log, workflowInfo } from '@temporalio/workflow';
import { RexeraClientId, RexeraDueAt, RexeraWorkflowType } from '../search-attributes.js';
import { updateVisibility } from '../visibility.js';
import { DATABASE_REFUSED } from '../vocabulary.js';
import { db, throwIfRefused, writesSettled } from './activities.js';
import { stepOf, type Run } from './context.js';
import { settleDispatches } from './continue-as-new.js';
import { levelsToRecord, type AdoptedFacts } from './adopt.js';
import { audit, errorMessage, slaClockRow, SYSTEM, taskRow, type Actor } from './records.js';
import type { BusinessWorkflowResult } from './state.js';
import { publish } from './status.js';

// The workflow row's two ends: initialize it (with every step's first task row), and close it.

/** Writes the workflow's rows on its first run (a continued run skips it). */
export async function initialize(run: Run): Promise<void> {
  const { input, state } = run;
  if (state.initialized) return;
  if (input.adopt) await adopt(run, input.adopt);
  else {
    await db.initializeWorkflow({
      workflowRowId: run.rowId,
      temporalWorkflowId: workflowInfo().workflowId,
      startedAt: state.startedAt,
      dueAt: state.dueAt,
      tasks: state.steps.map((s, i) => taskRow(stepOf(run, i), s.attempts[0]!)),
      audit: audit('workflow.started', 'workflow', run.rowId, {
        type: input.workflowType,
        version: input.definitionVersion,
        priority: input.priority,
      }),
    });
  }
  state.initialized = true;
  updateVisibility([
    { key: RexeraWorkflowType, value: input.workflowType },
    { key: RexeraClientId, value: input.clientId },
    { key: RexeraDueAt, value: new Date(state.dueAt) },
  ]);
  // Counting clocks move it (publish); other runs never do.
  if (run.definition.steps.some((def) => def.clock)) {
    run.published[RexeraDueAt.name] = new Date(state.dueAt).toISOString();
  }
}

/** Takes over a row the old design started (adopt.ts built the state from its facts). */
async function adopt(run: Run, facts: AdoptedFacts): Promise<void> {
  const { state } = run;
  const written = new Set(facts.steps.flatMap((f) => f.attempts.map((a) => a.taskExecutionId)));
  const current = state.steps[state.stepIndex];
  const clock = current?.sla;
  const attempt = current?.attempts[0];
  const f = facts.steps.find((x) => x.index === state.stepIndex);
  await db.adoptWorkflow({
    workflowRowId: run.rowId,
    temporalWorkflowId: workflowInfo().workflowId,
    startedAt: state.startedAt,
    dueAt: state.dueAt,
    tasks: state.steps.flatMap((s, i) =>
      s.attempts
        .filter((a) => !written.has(a.taskExecutionId))
        .map((a) => taskRow(stepOf(run, i), a)),
    ),
    sla:
      clock && attempt
        ? {
            id: clock.slaId,
            taskExecutionId: attempt.taskExecutionId,
            ...slaClockRow(run, clock),
            levels: levelsToRecord(clock, f),
          }
        : undefined,
    audit: audit('workflow.adopted', 'workflow', run.rowId, {
      type: run.input.workflowType,
      version: run.input.definitionVersion,
      completedSteps: state.steps.filter((s) => s.status === 'COMPLETED').length,
      resumesAt: run.definition.steps[state.stepIndex]?.taskType ?? null,
      slaLevel: clock?.reached.at(-1) ?? (clock ? 'GREEN' : null),
      escalation: state.escalation ? (state.escalation.opened ? 'taken over' : 'opened') : null,
    }),
  });
}

/**
 * Ends the run: the document recorder and the dispatches still running end first (their
 * writes made), then the row closes, and the run ends once every write is made (an Update's
 * task queues them).
 */
export async function close(
  run: Run,
  recorder: Promise<void>,
  final: 'COMPLETED' | 'CANCELLED',
  actor: Actor = SYSTEM,
  data: Record<string, unknown> = {},
): Promise<BusinessWorkflowResult> {
  await closeRow(run, recorder, final, actor, data);
  const withStatus = (status: string) =>
    run.definition.steps
      .filter((_, i) => run.state.steps[i]!.status === status)
      .map((def) => def.taskType);
  return {
    status: final,
    completedSteps: withStatus('COMPLETED'),
    skippedSteps: withStatus('SKIPPED'),
  };
}

/**
 * A write the database refused for good (a foreign key, the terminal-row guard, a value a
 * column cannot hold): no retry can make it. The row closes FAILED, if the database takes
 * that, and the run fails with the refusal: an operator fixes the data, then resets the
 * workflow in the Temporal UI to the task before the refused write.
 */
export async function failRefused(
  run: Run,
  recorder: Promise<void>,
  refusal: ApplicationFailure,
): Promise<never> {
  const { message } = refusal;
  log.error('a database write was refused for good; the workflow fails', { error: message });
  try {
    await closeRow(run, recorder, 'FAILED', SYSTEM, { error: message });
  } catch (err) {
    log.error('the row could not be closed FAILED either', { error: errorMessage(err) });
  }
  throw ApplicationFailure.create({
    type: DATABASE_REFUSED,
    message,
    nonRetryable: true,
    details: refusal.details ?? undefined,
  });
}

async function closeRow(
  run: Run,
  recorder: Promise<void>,
  final: 'COMPLETED' | 'CANCELLED' | 'FAILED',
  actor: Actor,
  data: Record<string, unknown>,
): Promise<void> {
  run.finished = true;
  await recorder;
  await settleDispatches(run);
  await db.closeWorkflow({
    workflowRowId: run.rowId,
    status: final,
    completedAt: Date.now(),
    audit: audit(`workflow.${final.toLowerCase()}`, 'workflow', run.rowId, data, actor),
  });
  await condition(writesSettled);
  throwIfRefused();
  for (const s of run.state.steps) {
    if (s.status !== 'COMPLETED' && s.status !== 'SKIPPED') s.status = 'CANCELLED';
  }
  publish(run, final);
}
