import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { atTimeScale, getDefinition } from '../definitions/index.js';
import { RexeraClientId, RexeraDueAt, RexeraWorkflowType } from '../search-attributes.js';
import { updateVisibility } from '../visibility.js';
import { db, startFlusher, writesSettled } from './activities.js';
import { installHandlers } from './handlers.js';
import { publish } from './report.js';
import {
  audit,
  current,
  errorMessage,
  maybeContinueAsNew,
  newState,
  settleDispatches,
  SYSTEM,
  taskRow,
  unrecorded,
  type Actor,
  type Run,
} from './run.js';
import type { BusinessWorkflowInput } from './state.js';
import { runStep } from './steps.js';

export type { BusinessWorkflowInput } from './state.js';

export interface BusinessWorkflowResult {
  status: 'COMPLETED' | 'CANCELLED';
  completedSteps: string[];
  skippedSteps: string[];
}

/**
 * One business workflow (a payoff request, an HOA acquisition, a lien search) from start
 * to end: its steps in order, each with its SLA ladder, retries and HIL escalations, and
 * every transition written to the business tables by activities.
 */
export async function businessWorkflow(
  input: BusinessWorkflowInput,
): Promise<BusinessWorkflowResult> {
  let definition: ReturnType<typeof getDefinition>;
  try {
    const scale = input.timeScale ?? 1;
    if (!(scale > 0 && scale <= 1)) throw new Error(`timeScale must be in (0, 1], not ${scale}`);
    definition = atTimeScale(getDefinition(input.workflowType, input.definitionVersion), scale);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(errorMessage(err), 'UnknownDefinitionError');
  }
  const run: Run = {
    input,
    definition,
    steps: definition.steps,
    rowId: input.workflowRowId,
    state: input.resume ?? newState(input, definition),
    ladderBusy: 0,
    finished: false,
    published: {},
    dispatching: new Map(),
  };
  installHandlers(run);
  startFlusher();
  const recorder = recordDocuments(run);

  async function close(
    final: 'COMPLETED' | 'CANCELLED',
    actor: Actor = SYSTEM,
    data: Record<string, unknown> = {},
  ) {
    run.finished = true;
    await recorder;
    // Dispatches still running end first (their writes made), then the row closes, and the
    // run ends once every write is made (an Update's task queues them).
    await settleDispatches(run);
    await db.closeWorkflow({
      workflowRowId: run.rowId,
      status: final,
      completedAt: Date.now(),
      audit: audit(`workflow.${final.toLowerCase()}`, 'workflow', run.rowId, data, actor),
    });
    await condition(writesSettled);
    for (const s of run.state.steps) {
      if (s.status !== 'COMPLETED' && s.status !== 'SKIPPED') s.status = 'CANCELLED';
    }
    publish(run, final);
    const withStatus = (status: string) =>
      run.steps.filter((_, i) => run.state.steps[i]!.status === status).map((s) => s.taskType);
    return {
      status: final,
      completedSteps: withStatus('COMPLETED'),
      skippedSteps: withStatus('SKIPPED'),
    };
  }

  const { state } = run;
  try {
    if (!state.initialized) {
      await db.initializeWorkflow({
        workflowRowId: run.rowId,
        temporalWorkflowId: workflowInfo().workflowId,
        startedAt: state.startedAt,
        dueAt: state.dueAt,
        tasks: state.steps.map((s, i) => taskRow(run, i, s.attempts[0]!)),
        audit: audit('workflow.started', 'workflow', run.rowId, {
          type: input.workflowType,
          version: input.definitionVersion,
          priority: input.priority,
        }),
      });
      state.initialized = true;
      updateVisibility([
        { key: RexeraWorkflowType, value: input.workflowType },
        { key: RexeraClientId, value: input.clientId },
        { key: RexeraDueAt, value: new Date(state.dueAt) },
      ]);
    }
    publish(run);
    while (state.stepIndex < run.steps.length) {
      const result = await runStep(run, state.stepIndex);
      if (result === 'cancel') {
        const last = Object.values(state.resolvedEscalations).at(-1);
        return await close(
          'CANCELLED',
          last ? { actorType: 'HUMAN', actorId: last.userId } : SYSTEM,
        );
      }
      state.stepIndex++;
      publish(run);
      await maybeContinueAsNew(run);
    }
    return await close('COMPLETED');
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from Temporal: close the rows too, then end as cancelled. Through the API,
      // the signal before the cancel says who asked and why.
      const request = run.state.cancelRequest;
      await CancellationScope.nonCancellable(() =>
        request
          ? close(
              'CANCELLED',
              { actorType: 'HUMAN', actorId: request.userId },
              { reason: request.reason },
            )
          : close('CANCELLED'),
      );
    }
    // Activity failures fail the workflow; anything else is a bug, and its workflow task is
    // retried until a fixed deploy resumes it. Continue-as-new passes through too.
    throw err;
  }
}

/**
 * Writes inbound documents as they arrive, whatever the main flow is doing. Not
 * cancellable: on a Temporal cancel it still writes what arrived, then ends with the run.
 */
function recordDocuments(run: Run): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    // A document posted right after the start can come before initializeWorkflow has
    // written the task rows it points at: wait for them (histories from before replay without).
    const afterRows = patched('documents-after-initialize');
    const ready = () => !afterRows || run.state.initialized;
    for (;;) {
      await condition(() => run.finished || (ready() && unrecorded(run).length > 0));
      const doc = unrecorded(run)[0];
      if (!doc) return;
      if (!ready()) {
        // Cancelled before its rows were written: there is no task row to attach it to.
        log.warn('document not recorded: the workflow ended before it started', {
          documentId: doc.documentId,
        });
        return;
      }
      const waitingStep = run.steps.findIndex((s) => s.awaits?.kind === doc.kind);
      await db.recordDocument({
        id: doc.documentId,
        workflowRowId: run.rowId,
        taskExecutionId: current(run.state.steps[waitingStep]!).taskExecutionId,
        filename: doc.filename,
        storageUrl: doc.storageUrl,
        mimeType: doc.mimeType,
        fileSizeBytes: doc.fileSizeBytes,
        source: doc.source,
        metadata: { ...doc.metadata, kind: doc.kind },
        at: doc.receivedAt,
        audit: {
          ...audit('document.received', 'document', doc.documentId, {
            kind: doc.kind,
            filename: doc.filename,
          }),
          id: doc.auditId,
          at: doc.receivedAt,
        },
      });
      doc.recorded = true;
    }
  });
}
