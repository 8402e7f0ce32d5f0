import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  communications,
  documents,
  escalations,
  taskExecutions,
} from '../../db/schema/index.js';
import {
  documentReceivedSignal,
  documentReceivedUpdate,
  statusQuery,
} from '../../workflows/business/messages.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import { completeAll } from '../helpers/n8n-stand-in.js';
import type { TestDatabase } from '../helpers/db.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

const HOUR = 3600_000;
let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  ({ t, h } = await startHarness({ timeSkipping: true }));
});
afterAll(() => stopHarness(t, h));

async function waitingTask(rowId: string) {
  return eventually('await_documents to be WAITING', async () => {
    const [task] = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId))
      .then((rows) => rows.filter((r) => r.taskType === 'await_documents'));
    return task?.status === 'WAITING' ? task : undefined;
  });
}

const hoaDocs = (documentId = randomUUID()) => ({
  documentId,
  kind: 'HOA_DOCUMENTS' as const,
  filename: 'resale-certificate.pdf',
  storageUrl: 's3://docs/resale-certificate.pdf',
  mimeType: 'application/pdf',
  source: 'HOA',
});

describe('waiting for the HOA documents (10-day SLA, follow-up every 48 h, at most 4)', () => {
  it('follows up on schedule, escalates at RED, and goes on when the documents arrive', async () => {
    const { rowId, workflowId } = await h.start('HOA_ACQUISITION');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    const task = await waitingTask(rowId);
    expect(await handle.query(statusQuery)).toMatchObject({
      currentStep: { taskType: 'await_documents' },
      steps: [
        { status: 'COMPLETED' },
        { status: 'COMPLETED' },
        { status: 'WAITING' },
        { status: 'PENDING' },
        { status: 'PENDING' },
      ],
    });

    await h.env!.sleep('9 days');
    const followUps = await t.db
      .select()
      .from(communications)
      .where(
        and(eq(communications.taskExecutionId, task.id), eq(communications.direction, 'OUTBOUND')),
      )
      .orderBy(asc(communications.createdAt));
    expect(
      followUps.map((c) => [
        c.communicationType,
        c.direction,
        (c.metadata as { followUpNumber: number }).followUpNumber,
      ]),
    ).toEqual([
      ['EMAIL', 'OUTBOUND', 1],
      ['EMAIL', 'OUTBOUND', 2],
      ['EMAIL', 'OUTBOUND', 3],
      ['EMAIL', 'OUTBOUND', 4],
    ]);
    expect(
      followUps.map((c) => Math.round((c.createdAt.getTime() - task.startedAt!.getTime()) / HOUR)),
    ).toEqual([48, 96, 144, 192]);
    // Each one went out through n8n's channel connector, to the HOA contact found in step 1.
    expect(followUps.map((c) => [c.status, c.recipient, c.metadata.providerMessageId])).toEqual(
      followUps.map((c) => ['SENT', 'docs@maplegrove.example', `<${c.id}@stand-in>`]),
    );
    expect(
      h.standIn.sends.filter((m) => m.workflowId === rowId).map((m) => m.communicationId),
    ).toEqual(followUps.map((c) => c.id));
    expect(await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId))).toEqual(
      [],
    );

    // RED is at 95% of 10 days (228 h after the step started): go an hour past it, and let the
    // activity that opens the escalation finish before reading its row.
    await h.env!.sleep('13 hours');
    const escalation = await eventually('the SLA_RED escalation', async () => {
      const [row] = await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId));
      return row;
    });
    expect(escalation).toMatchObject({
      trigger: 'SLA_RED',
      status: 'OPEN',
      taskExecutionId: task.id,
    });

    const answer = await handle.executeUpdate(documentReceivedUpdate, { args: [hoaDocs()] });
    expect(answer.result).toBe('applied');
    expect((await handle.result()).status).toBe('COMPLETED');
    const [closed] = await t.db.select().from(escalations).where(eq(escalations.id, escalation.id));
    expect(closed!.status).toBe('CANCELLED');
    const [doc] = await t.db.select().from(documents).where(eq(documents.workflowId, rowId));
    expect(doc).toMatchObject({
      filename: 'resale-certificate.pdf',
      taskExecutionId: task.id,
      source: 'HOA',
      documentType: 'WORKING',
    });
  });

  it('marks a follow-up the channel refuses FAILED, retries one it could not send yet, and goes on waiting', async () => {
    const { rowId, workflowId } = await h.start('HOA_ACQUISITION');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    const task = await waitingTask(rowId);
    // The first follow-up: the mailbox does not exist (422). The second: the relay is down
    // once (502), then takes it.
    h.standIn.setChannel((msg, count) => {
      if (msg.workflowId !== rowId) return 200;
      if (msg.subject.startsWith('Follow-up 1')) return 422;
      return count === 1 ? 502 : 200;
    });
    try {
      await h.env!.sleep('97 hours');
      const sent = await eventually('both follow-ups settled', async () => {
        const rows = await t.db
          .select()
          .from(communications)
          .where(eq(communications.taskExecutionId, task.id))
          .orderBy(asc(communications.createdAt));
        return rows.length === 2 && rows.every((r) => r.status !== 'QUEUED') ? rows : undefined;
      });
      expect(sent.map((c) => c.status)).toEqual(['FAILED', 'SENT']);
      expect(String(sent[0]!.metadata.error)).toContain('422');
      expect(h.standIn.sends.filter((m) => m.workflowId === rowId)).toHaveLength(3);
      const events = await t.db.select().from(auditEvents).where(eq(auditEvents.workflowId, rowId));
      expect(
        events
          .filter((e) => e.action.startsWith('communication.'))
          .map((e) => [e.action, e.resourceId])
          .sort(),
      ).toEqual(
        [
          ['communication.failed', sent[0]!.id],
          ['communication.sent', sent[1]!.id],
        ].sort(),
      );
    } finally {
      h.standIn.setChannel(() => 200);
    }
    expect(await handle.query(statusQuery)).toMatchObject({
      currentStep: { taskType: 'await_documents' },
    });
    await handle.executeUpdate(documentReceivedUpdate, { args: [hoaDocs()] });
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('hoa-follow-ups-sent-and-failed-v2', 'time-skipping', h.address, workflowId);
  });

  it('marks a follow-up FAILED without asking n8n when no earlier step found a contact address', async () => {
    h.standIn.setScript((ctx) =>
      ctx.dispatch.taskType === 'research_hoa_contact'
        ? { status: 'COMPLETED', output: { hoa: 'Maple Grove HOA', phone: '+1-555-0100' } }
        : completeAll(ctx),
    );
    try {
      const { rowId, workflowId } = await h.start('HOA_ACQUISITION');
      const task = await waitingTask(rowId);
      await h.env!.sleep('49 hours');
      const [followUp] = await eventually('the follow-up settled', async () => {
        const rows = await t.db
          .select()
          .from(communications)
          .where(eq(communications.taskExecutionId, task.id));
        return rows[0] && rows[0].status !== 'QUEUED' ? rows : undefined;
      });
      expect(followUp).toMatchObject({ status: 'FAILED', recipient: null });
      expect(String(followUp!.metadata.error)).toContain('No recipient');
      expect(h.standIn.sends.filter((m) => m.workflowId === rowId)).toEqual([]);
      await h.client.workflow
        .getHandle<typeof businessWorkflow>(workflowId)
        .executeUpdate(documentReceivedUpdate, { args: [hoaDocs()] });
    } finally {
      h.standIn.setScript(completeAll);
    }
  });

  it('takes the documents by Signal too, once, however often they are sent', async () => {
    const { rowId, workflowId } = await h.start('HOA_ACQUISITION');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    await waitingTask(rowId);
    const doc = hoaDocs();
    await handle.signal(documentReceivedSignal, doc);
    await handle.signal(documentReceivedSignal, doc);
    expect((await handle.executeUpdate(documentReceivedUpdate, { args: [doc] })).result).toBe(
      'duplicate',
    );
    expect((await handle.result()).status).toBe('COMPLETED');
    expect(await t.db.select().from(documents).where(eq(documents.workflowId, rowId))).toHaveLength(
      1,
    );
  });

  it('refuses a document this workflow does not wait for, or one without its fields', async () => {
    const { rowId, workflowId } = await h.start('HOA_ACQUISITION');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    await waitingTask(rowId);
    await expect(
      handle.executeUpdate(documentReceivedUpdate, {
        args: [{ ...hoaDocs(), kind: 'PAYOFF_STATEMENT' }],
      }),
    ).rejects.toThrow(/Update failed/);
    await expect(
      handle.executeUpdate(documentReceivedUpdate, {
        args: [{ ...hoaDocs(), filename: '' }],
      }),
    ).rejects.toThrow(/Update failed/);
    expect(await t.db.select().from(documents).where(eq(documents.workflowId, rowId))).toEqual([]);
    await handle.executeUpdate(documentReceivedUpdate, { args: [hoaDocs()] });
    expect((await handle.result()).status).toBe('COMPLETED');
  });
});
