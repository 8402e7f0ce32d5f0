import { condition, isCancellation, patched, uuid4 } from '@temporalio/workflow';
import { channels, db } from './activities.js';
import { finish } from './attempt.js';
import { documentsOf, raiseEscalation, type Step, type StepResult } from './context.js';
import { maybeContinueAsNew } from './continue-as-new.js';
import { dispatch } from './dispatch.js';
import { audit, errorMessage } from './records.js';
import type { Attempt } from './state.js';

// A step waiting for the counterparty (a payoff letter, HOA documents): follow-ups on
// schedule until the documents come or the SLA goes RED.

interface FollowUp {
  communicationId: string;
  channel: string;
  to?: string;
  subject: string;
  body: string;
}

/** Waits for the inbound event, following up on schedule; escalates when the SLA goes RED. */
export async function waiting(step: Step, attempt: Attempt): Promise<StepResult> {
  const { run, def, state: s } = step;
  const awaits = def.awaits!;
  const kind = awaits.kind;
  for (;;) {
    if (documentsOf(run, kind).length > 0) {
      if (def.agent) return dispatch(step, attempt);
      await finish(step, attempt, {
        status: 'COMPLETED',
        output: { documents: documentsOf(run, kind) },
      });
      return 'done';
    }
    if (s.slaRedPending) {
      return raiseEscalation(step, 'SLA_RED', `${def.title}: no ${kind} after 95% of the SLA.`);
    }
    const followUpsLeft = s.followUpsSent < awaits.maxFollowUps;
    // A wait whose SLA clock is paused never goes RED: one interval after its last follow-up,
    // a still-silent counterparty is escalated instead.
    const paused = s.sla?.counting?.pause?.reason === 'INBOUND_WAIT';
    const wait = followUpsLeft || paused ? Math.max(0, s.nextFollowUpAt! - Date.now()) : undefined;
    const woke = await condition(
      () => documentsOf(run, kind).length > 0 || s.slaRedPending,
      wait as number,
    );
    if (!woke && !followUpsLeft && paused) {
      return raiseEscalation(
        step,
        'INBOUND_TIMEOUT',
        `${def.title}: no ${kind} after ${s.followUpsSent} follow-ups (its SLA clock is paused while it waits).`,
      );
    }
    if (!woke && followUpsLeft) {
      s.followUpsSent++;
      const followUp: FollowUp = {
        communicationId: uuid4(),
        channel: awaits.followUpChannel,
        to: contactEmail(step),
        subject: `Follow-up ${s.followUpsSent}: ${kind.replace('_', ' ').toLowerCase()} request`,
        body: `Following up on our request for ${kind} (${JSON.stringify(run.input.metadata)}).`,
      };
      await db.recordFollowUp({
        id: followUp.communicationId,
        workflowRowId: run.rowId,
        taskExecutionId: attempt.taskExecutionId,
        channel: followUp.channel,
        number: s.followUpsSent,
        subject: followUp.subject,
        body: followUp.body,
        recipient: followUp.to,
        at: Date.now(),
        audit: audit('followup.queued', 'task_execution', attempt.taskExecutionId, {
          number: s.followUpsSent,
          kind,
        }),
      });
      // Histories from before n8n sent follow-ups replay without the send; a running workflow
      // of that code sends its next follow-up through n8n after the deploy.
      if (patched('follow-ups-sent-through-n8n')) {
        await sendFollowUp(step, attempt, followUp);
      }
      s.nextFollowUpAt = s.nextFollowUpAt! + awaits.followUpEvery;
      await maybeContinueAsNew(run);
    }
  }
}

/** The counterparty's address found by an earlier step (the lender's or the HOA's contact). */
function contactEmail(step: Step): string | undefined {
  const earlier = step.run.definition.steps.slice(0, step.index).reverse();
  for (const def of earlier) {
    const email = step.run.state.outputs[def.taskType]?.email;
    if (typeof email === 'string' && email.length > 0) return email;
  }
  return undefined;
}

/**
 * Hands a queued follow-up to n8n's channel connector and records what came of it. A send
 * that fails for good marks the message FAILED; the wait goes on (the SLA ladder still
 * escalates a counterparty that never answers).
 */
async function sendFollowUp(step: Step, attempt: Attempt, msg: FollowUp): Promise<void> {
  const result = msg.to
    ? await send(step, attempt, { ...msg, to: msg.to })
    : ({
        status: 'FAILED',
        error: 'No recipient: no earlier step found a contact address.',
      } as const);
  await db.markCommunication({
    communicationId: msg.communicationId,
    workflowRowId: step.run.rowId,
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
  step: Step,
  attempt: Attempt,
  msg: FollowUp & { to: string },
): Promise<{ status: 'SENT'; providerMessageId: string } | { status: 'FAILED'; error: string }> {
  try {
    const sent = await channels.sendCommunication({
      ...msg,
      workflowId: step.run.rowId,
      taskExecutionId: attempt.taskExecutionId,
      idempotencyKey: msg.communicationId,
    });
    return { status: 'SENT', providerMessageId: sent.providerMessageId };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { status: 'FAILED', error: errorMessage(err) };
  }
}
