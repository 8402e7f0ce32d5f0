import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { throwIfRefused, writesSettled } from './activities.js';
import { unrecorded, type Run } from './context.js';
import type { BusinessWorkflow } from './state.js';

// Ending a run: continue-as-new when the history grows long, with nothing left in flight.

/**
 * Continues as new when the server suggests it (or past input.maxHistoryEvents), once nothing
 * is in flight: dispatches ended, SLA writes made, documents recorded, handlers finished,
 * queued writes made. The state goes along as input.resume.
 */
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
  throwIfRefused();
  log.info('continuing as new', { historyLength: info.historyLength, step: run.state.stepIndex });
  await continueAsNew<BusinessWorkflow>({ ...run.input, resume: run.state });
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
