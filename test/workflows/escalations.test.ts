import { asc, eq } from 'drizzle-orm';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  communications,
  escalations,
  messageMetadata,
  slaTracking,
  taskExecutions,
} from '../../db/schema/index.js';
import {
  assignEscalationUpdate,
  resolveEscalationUpdate,
  statusQuery,
} from '../../workflows/business/messages.js';
import {
  startHarness,
  stopHarness,
  rowCounts,
  workflowRow,
  type Harness,
} from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { insertHilUser } from '../helpers/fixtures.js';
import {
  counterpartyAnswers,
  forTask,
  realisticOutput,
  type Script,
} from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

let t: TestDatabase;
let h: Harness;
let hil: string;

beforeAll(async () => {
  ({ t, h } = await startHarness({ timeSkipping: true }));
  hil = await insertHilUser(t.db);
});
afterAll(() => stopHarness(t, h));

/** A PAYOFF whose identify_lender_contact runs `script` (the counterparty answers as usual). */
function start(script: Script) {
  const lenderStep = forTask('identify_lender_contact', script);
  return h.start('PAYOFF', {
    script: (ctx) => {
      void counterpartyAnswers(ctx);
      return lenderStep(ctx);
    },
  });
}

/** Lets workflow time run until the workflow has an open escalation. */
async function openEscalation(rowId: string, advance = '1 hour') {
  await h.env!.sleep(advance);
  return eventually('an open escalation', async () => {
    const [e] = await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId));
    return e?.status === 'OPEN' ? e : undefined;
  });
}

async function attempts(rowId: string, stepIndex = 0) {
  const rows = await t.db
    .select()
    .from(taskExecutions)
    .where(eq(taskExecutions.workflowId, rowId))
    .orderBy(asc(taskExecutions.stepIndex), asc(taskExecutions.attempt));
  return rows.filter((r) => r.stepIndex === stepIndex);
}

describe('escalations', () => {
  it('retries a retryable failure with backoff, escalates when attempts are spent, and RETRY with another agent goes on', async () => {
    const { rowId, handle } = await start(({ count }) =>
      count <= 3
        ? { status: 'FAILED', error: { message: `lender site down (${count})`, retryable: true } }
        : ({ status: 'COMPLETED', output: realisticOutput('identify_lender_contact') } as const),
    );
    const escalation = await openEscalation(rowId);
    expect(escalation).toMatchObject({ trigger: 'RETRIES_EXHAUSTED', notificationCount: 1 });
    expect(escalation.reason).toContain('3 attempts failed');

    const failed = await attempts(rowId);
    expect(failed.map((a) => [a.attempt, a.status, a.errorMessage, a.errorRetryable])).toEqual([
      [1, 'FAILED', 'lender site down (1)', true],
      [2, 'FAILED', 'lender site down (2)', true],
      [3, 'FAILED', 'lender site down (3)', true],
    ]);
    // Durable backoff: 5 minutes, then 15.
    expect(
      failed[1]!.startedAt!.getTime() - failed[0]!.completedAt!.getTime(),
    ).toBeGreaterThanOrEqual(5 * 60_000);
    expect(
      failed[2]!.startedAt!.getTime() - failed[1]!.completedAt!.getTime(),
    ).toBeGreaterThanOrEqual(15 * 60_000);
    expect(escalation.taskExecutionId).toBe(failed[2]!.id);

    const answer = await handle.executeUpdate(resolveEscalationUpdate, {
      args: [
        {
          escalationId: escalation.id,
          userId: hil,
          action: 'RETRY',
          agent: 'Rex',
          note: 'Try the portal instead',
        },
      ],
    });
    expect(answer.result).toBe('applied');
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory(
      'payoff-retries-escalation-retry-v2',
      'time-skipping',
      h.address,
      handle.workflowId,
    );

    const all = await attempts(rowId);
    expect(all.map((a) => [a.attempt, a.status, a.agentName])).toEqual([
      [1, 'FAILED', 'Nina'],
      [2, 'FAILED', 'Nina'],
      [3, 'FAILED', 'Nina'],
      [4, 'COMPLETED', 'Rex'],
    ]);
    expect(
      h.standIn.dispatches
        .filter((d) => d.workflowId === rowId && d.taskType === 'identify_lender_contact')
        .at(-1)!.input,
    ).toMatchObject({ instructions: 'Try the portal instead' });
    const [resolved] = await t.db
      .select()
      .from(escalations)
      .where(eq(escalations.id, escalation.id));
    expect(resolved).toMatchObject({
      status: 'RESOLVED',
      resolutionAction: 'RETRY',
      resolvedBy: hil,
      resolutionNote: 'Try the portal instead',
    });
    const who = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, escalation.id));
    expect(who.find((e) => e.action === 'escalation.resolved')).toMatchObject({
      actorType: 'HUMAN',
      actorId: hil,
    });
    expect((await workflowRow(t, rowId)).status).toBe('COMPLETED');
  });

  it('an agent asking for a human: COMPLETE by hand is recorded as a human task execution, and its result is used', async () => {
    const { rowId, handle } = await start(() => ({
      status: 'NEEDS_HUMAN',
      reason: 'Two lenders match this loan number',
    }));
    const escalation = await openEscalation(rowId, '1 minute');
    expect(escalation).toMatchObject({
      trigger: 'AGENT_NEEDS_HUMAN',
      reason: 'Two lenders match this loan number',
    });
    expect(await handle.query(statusQuery)).toMatchObject({
      status: 'BLOCKED',
      openEscalation: { escalationId: escalation.id, trigger: 'AGENT_NEEDS_HUMAN' },
    });
    expect((await workflowRow(t, rowId)).status).toBe('BLOCKED');

    const output = { ...realisticOutput('identify_lender_contact'), preferredChannel: 'PHONE' };
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, userId: hil, action: 'COMPLETE', output }],
    });
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('payoff-needs-human-complete-v2', 'time-skipping', h.address, handle.workflowId);

    const rows = await attempts(rowId);
    expect(rows.map((a) => [a.attempt, a.executorType, a.status, a.executedBy])).toEqual([
      [1, 'AI_AGENT', 'FAILED', null],
      [2, 'HIL', 'COMPLETED', hil],
    ]);
    expect(rows[1]!.outputData).toEqual(output);
    // The human's answer chose the channel of the next step: Florian by phone.
    const [send] = await attempts(rowId, 1);
    expect([send!.agentName, send!.channel]).toEqual(['Florian', 'PHONE']);
  });

  it('a non-retryable failure: SKIP records a skipped step and the workflow goes on', async () => {
    const { rowId, handle } = await start(() => ({
      status: 'FAILED',
      error: { message: 'loan number unknown to lender', retryable: false },
    }));
    const escalation = await openEscalation(rowId, '1 minute');
    expect(escalation.trigger).toBe('NON_RETRYABLE_FAILURE');
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [
        {
          escalationId: escalation.id,
          userId: hil,
          action: 'SKIP',
          note: 'Contact known from a previous order',
        },
      ],
    });
    const result = await handle.result();
    expect(result.skippedSteps).toEqual(['identify_lender_contact']);
    expect(result.completedSteps).toHaveLength(5);
    expect((await attempts(rowId)).map((a) => [a.attempt, a.executorType, a.status])).toEqual([
      [1, 'AI_AGENT', 'FAILED'],
      [2, 'HIL', 'SKIPPED'],
    ]);
  });

  it('CANCEL_WORKFLOW closes the workflow and every open row as CANCELLED', async () => {
    const { rowId, handle } = await start(() => ({
      status: 'NEEDS_HUMAN',
      reason: 'Client withdrew the order?',
    }));
    const escalation = await openEscalation(rowId, '1 minute');
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [
        {
          escalationId: escalation.id,
          userId: hil,
          action: 'CANCEL_WORKFLOW',
          note: 'Order withdrawn',
        },
      ],
    });
    expect((await handle.result()).status).toBe('CANCELLED');
    recordHistory('payoff-cancel-workflow-v2', 'time-skipping', h.address, handle.workflowId);

    const row = await workflowRow(t, rowId);
    expect(row.status).toBe('CANCELLED');
    const all = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(
      all.filter((x) => x.stepIndex > 0).every((x) => x.status === 'CANCELLED' && x.completedAt),
    ).toBe(true);
    const slas = await t.db.select().from(slaTracking).where(eq(slaTracking.workflowId, rowId));
    expect(slas.map((s) => s.status)).toEqual(['CANCELLED']);
    const [closed] = await t.db.select().from(escalations).where(eq(escalations.id, escalation.id));
    expect(closed).toMatchObject({ status: 'RESOLVED', resolutionAction: 'CANCEL_WORKFLOW' });
    const end = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'workflow.cancelled'));
    expect(end.filter((e) => e.workflowId === rowId)).toMatchObject([
      { actorType: 'HUMAN', actorId: hil },
    ]);
  });

  it('re-notifies an unanswered escalation every 2 hours', async () => {
    const { rowId, handle } = await start(() => ({
      status: 'NEEDS_HUMAN',
      reason: 'Needs a call',
    }));
    const escalation = await openEscalation(rowId, '1 minute');
    // Taken by someone: the reminders go to them (and the team), on the same schedule.
    await handle.executeUpdate(assignEscalationUpdate, {
      args: [{ escalationId: escalation.id, assigneeId: hil, assignedBy: hil }],
    });
    await h.env!.sleep('390 minutes');
    const [after] = await t.db.select().from(escalations).where(eq(escalations.id, escalation.id));
    expect(after!.notificationCount).toBe(4); // the opening notice and reminders at +2 h, +4 h, +6 h
    expect(after!.assignedTo).toBe(hil);
    const messages = await t.db
      .select({ kind: messageMetadata.notificationKind, to: messageMetadata.recipientUserId })
      .from(messageMetadata)
      .innerJoin(communications, eq(communications.id, messageMetadata.communicationId))
      .where(eq(communications.workflowId, rowId));
    expect(messages.filter((m) => m.kind === 'ESCALATION_REMINDER')).toEqual([
      { kind: 'ESCALATION_REMINDER', to: hil },
      { kind: 'ESCALATION_REMINDER', to: hil },
      { kind: 'ESCALATION_REMINDER', to: hil },
    ]);
    const reminders = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, escalation.id));
    const times = reminders
      .filter((e) => e.action === 'escalation.reminded')
      .map((e) => e.createdAt.getTime() - escalation.createdAt.getTime())
      .sort((a, b) => a - b);
    // Workflow time moves on by a few ms while a timer's activation is processed.
    expect(times.map((ms) => Math.round(ms / 1000))).toEqual([2, 4, 6].map((x) => x * 3600));
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, userId: hil, action: 'CANCEL_WORKFLOW', note: 'done' }],
    });
    await handle.result();
    expect((await rowCounts(t, rowId)).escalations).toBe(1);
  });

  it('rejects a resolution that does not fit, and answers a repeat as a duplicate', async () => {
    const { rowId, handle } = await start(() => ({ status: 'NEEDS_HUMAN', reason: 'Check this' }));
    const escalation = await openEscalation(rowId, '1 minute');
    const reject = (args: unknown) =>
      handle.executeUpdate(resolveEscalationUpdate, { args: [args as never] }).then(
        () => 'accepted',
        (err: unknown) =>
          err instanceof WorkflowUpdateFailedError
            ? String(err.cause?.message)
            : `other: ${String(err)}`,
      );
    expect(
      await reject({ escalationId: crypto.randomUUID(), userId: hil, action: 'SKIP', note: 'x' }),
    ).toMatch(/is not open in this workflow/);
    expect(await reject({ escalationId: escalation.id, userId: hil, action: 'COMPLETE' })).toMatch(
      /output/,
    );
    expect(await reject({ escalationId: escalation.id, userId: hil, action: 'SKIP' })).toMatch(
      /note/,
    );
    expect(
      await reject({ escalationId: escalation.id, userId: hil, action: 'PAUSE', note: 'x' }),
    ).toMatch(/action/);
    expect(
      await reject({
        escalationId: escalation.id,
        userId: 'not-a-uuid',
        action: 'SKIP',
        note: 'x',
      }),
    ).toMatch(/userId/);

    const first = await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, userId: hil, action: 'SKIP', note: 'fine' }],
    });
    const again = await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, userId: hil, action: 'SKIP', note: 'fine' }],
    });
    expect([first.result, again.result]).toEqual(['applied', 'duplicate']);
    expect(await reject({ escalationId: escalation.id, userId: hil, action: 'RETRY' })).toMatch(
      /already/,
    );
    await handle.result();
    const skipped = await attempts(rowId);
    expect(skipped.filter((a) => a.status === 'SKIPPED')).toHaveLength(1);
  });
});
