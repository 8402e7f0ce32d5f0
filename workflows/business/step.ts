import { log } from '@temporalio/workflow';
import { current, raiseEscalation, stepOf, type Run, type StepResult } from './context.js';
import { begin } from './dispatch.js';
import { escalated } from './escalation.js';
import { waiting } from './inbound-wait.js';
import { running } from './outcome.js';
import { openSlaClock, runLadder } from './sla.js';
import { syncPause } from './sla-clock.js';
import { publish } from './status.js';

// One step: start the attempt (a wait or the agent call), wait for its end, retry or
// escalate. Each phase returns 'continue' until the step ends; its SLA ladder runs beside.

export async function runStep(run: Run, index: number): Promise<'done' | 'skipped' | 'cancel'> {
  const step = stepOf(run, index);
  const s = step.state;
  let ladder = s.sla ? runLadder(step) : undefined;
  try {
    for (;;) {
      let result: StepResult;
      const attempt = current(s);
      if (run.state.escalation) result = await escalated(step);
      else if (attempt.phase === 'PENDING') {
        if (!s.sla) {
          openSlaClock(step);
          ladder = runLadder(step);
        }
        result = await begin(step, attempt);
      } else if (attempt.phase === 'WAITING') result = await waiting(step, attempt);
      else if (attempt.phase === 'RUNNING') result = await running(step, attempt);
      else {
        result = raiseEscalation(
          step,
          'RETRIES_EXHAUSTED',
          'The last attempt ended without a result.',
        );
      }
      // A counting clock stops while the third party holds the ball, and starts again after.
      if (result === 'continue') await syncPause(step);
      publish(run);
      if (result === 'continue') continue;
      // The write that ended the step (finishAttempt or createAttempt) stopped its SLA clock.
      if (result !== 'cancel') s.status = result === 'done' ? 'COMPLETED' : 'SKIPPED';
      log.info('step ended', { step: step.def.taskType, result });
      return result;
    }
  } finally {
    await ladder?.stop();
  }
}
