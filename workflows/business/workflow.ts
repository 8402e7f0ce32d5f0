import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
} from '@temporalio/workflow';
import { atTimeScale, getDefinition, type WorkflowType } from '../definitions/index.js';
import { refusalIn, startFlusher } from './activities.js';
import type { Run } from './context.js';
import { maybeContinueAsNew } from './continue-as-new.js';
import { recordDocuments } from './documents.js';
import { installHandlers } from './handlers.js';
import { adoptedState } from './adopt.js';
import { TEMPORAL_WORKFLOW_TYPES } from './identity.js';
import { close, failRefused, initialize } from './lifecycle.js';
import { errorMessage } from './records.js';
import { newState, type BusinessWorkflow, type BusinessWorkflowInput } from './state.js';
import { publish } from './status.js';
import { loadCalendar, needsCalendar, plannedDue } from './sla-clock.js';
import { runStep } from './step.js';

// The entry: nothing in this folder imports it. Three things run at once in a business
// workflow, and each owns what it writes:
// - the main flow (below): the steps in order, each through runStep (step.ts);
// - the document recorder (documents.ts): writes documents as they arrive;
// - each step's SLA ladder (sla.ts): writes levels as their timers fire.
// Message handlers (handlers.ts) only check and record in state; the main flow acts on it.

export type { BusinessWorkflowInput, BusinessWorkflowResult } from './state.js';

/**
 * One business workflow (a payoff request, an HOA acquisition, a lien search) from start
 * to end: its steps in order, each with its SLA ladder, retries and HIL escalations, and
 * every transition written to the business tables by activities.
 */
export const businessWorkflow: BusinessWorkflow = async (input) => {
  const run = newRun(input);
  installHandlers(run);
  startFlusher();
  const recorder = recordDocuments(run);
  const { state } = run;
  try {
    // Histories from before business calendars replay without the read.
    if (!state.initialized && needsCalendar(run) && patched('sla-business-calendars')) {
      await loadCalendar(run);
      // An adopted row keeps the due time the old design gave it.
      if (!input.adopt?.dueAt) state.dueAt = plannedDue(run, 0, state.startedAt);
    }
    await initialize(run);
    publish(run);
    while (state.stepIndex < run.definition.steps.length) {
      const result = await runStep(run, state.stepIndex);
      if (result === 'cancel') {
        const last = Object.values(state.resolvedEscalations).at(-1);
        const actor = last ? ({ actorType: 'HUMAN', actorId: last.userId } as const) : undefined;
        return await close(run, recorder, 'CANCELLED', actor);
      }
      state.stepIndex++;
      publish(run);
      await maybeContinueAsNew(run);
    }
    return await close(run, recorder, 'COMPLETED');
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from Temporal: close the rows too, then end as cancelled. Through the API,
      // the signal before the cancel says who asked and why.
      const request = state.cancelRequest;
      await CancellationScope.nonCancellable(() =>
        request
          ? close(
              run,
              recorder,
              'CANCELLED',
              { actorType: 'HUMAN', actorId: request.userId },
              { reason: request.reason },
            )
          : close(run, recorder, 'CANCELLED'),
      );
    }
    const refusal = refusalIn(err);
    if (refusal) await failRefused(run, recorder, refusal);
    // Other activity failures fail the workflow; anything else is a bug, and its workflow task
    // is retried until a fixed deploy resumes it. Continue-as-new passes through too.
    throw err;
  }
};

function newRun(input: BusinessWorkflowInput): Run {
  let definition: ReturnType<typeof getDefinition>;
  try {
    const scale = input.timeScale ?? 1;
    if (!(scale > 0 && scale <= 1)) throw new Error(`timeScale must be in (0, 1], not ${scale}`);
    definition = atTimeScale(getDefinition(input.workflowType, input.definitionVersion), scale);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(errorMessage(err), 'UnknownDefinitionError');
  }
  return {
    input,
    definition,
    rowId: input.workflowRowId,
    state:
      input.resume ??
      (input.adopt
        ? adoptedState(input, definition, input.adopt, Date.now())
        : newState(input, definition)),
    ladderBusy: 0,
    clockEpoch: 0,
    calendarStale: false,
    finished: false,
    published: {},
    dispatching: new Map(),
  };
}

// One Temporal workflow type per business type, so that the Temporal UI's list names what
// each row is (PayoffWorkflow, ...). Each is the same business workflow: the definition
// comes from input.workflowType, which must agree with the type it was started under.

function asType(type: WorkflowType): BusinessWorkflow {
  return (input) => {
    if (input.workflowType !== type) {
      throw ApplicationFailure.nonRetryable(
        `${TEMPORAL_WORKFLOW_TYPES[type]} runs ${type} workflows, not ${input.workflowType}`,
        'WrongWorkflowTypeError',
      );
    }
    return businessWorkflow(input);
  };
}

/** A payoff request (PAYOFF). */
export const PayoffWorkflow = asType('PAYOFF');
/** An HOA document acquisition (HOA_ACQUISITION). */
export const HoaAcquisitionWorkflow = asType('HOA_ACQUISITION');
/** A municipal lien search (MUNICIPAL_LIEN_SEARCH). */
export const MunicipalLienSearchWorkflow = asType('MUNICIPAL_LIEN_SEARCH');
