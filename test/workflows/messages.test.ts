import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  documents,
  escalations,
  slaTracking,
  taskExecutions,
} from '../../db/schema/index.js';
import { deliverTaskOutcome, MessageRejectedError } from '../../src/clients/business-workflows.js';
import { documentReceivedSignal, type TaskOutcome } from '../../workflows/business/messages.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { startHarness, stopHarness, workflowRow, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll, realisticOutput, type Script } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

let t: TestDatabase;
let h: Harness;
beforeAll(async () => {
  ({ t, h } = await startHarness());
});
afterAll(() => stopHarness(t, h));

const start = (script: Script) => h.start('MUNICIPAL_LIEN_SEARCH', { script });

/** research_municipality waits for its outcome; the test delivers it by hand. */
const silentFirst: Script = (ctx) =>
  ctx.dispatch.taskType === 'research_municipality' ? { status: 'SILENT' } : completeAll(ctx);

async function running1(rowId: string) {
  return eventually('research_municipality to be RUNNING', async () => {
    const [task] = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId))
      .orderBy(asc(taskExecutions.stepIndex));
    return task?.status === 'RUNNING' &&
      h.standIn.dispatches.some((d) => d.taskExecutionId === task.id)
      ? task
      : undefined;
  });
}

describe('task outcomes', () => {
  it('applied once; the same again is a duplicate; a different one, or one for a finished or later task, is stale', async () => {
    const { rowId, workflowId, handle } = await start(silentFirst);
    const task = await running1(rowId);
    const done: TaskOutcome = {
      taskExecutionId: task.id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('research_municipality'),
    };

    // A later step's task, not dispatched yet: out of order, so stale.
    const tasks = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId))
      .orderBy(asc(taskExecutions.stepIndex));
    const early = await deliverTaskOutcome(h.client, workflowId, {
      taskExecutionId: tasks[3]!.id,
      attempt: 1,
      status: 'COMPLETED',
      output: {},
    });
    expect(early.result).toBe('stale');

    expect((await deliverTaskOutcome(h.client, workflowId, done)).result).toBe('applied');
    expect((await deliverTaskOutcome(h.client, workflowId, done)).result).toBe('duplicate');
    const different = await deliverTaskOutcome(h.client, workflowId, {
      ...done,
      output: { municipality: 'Elsewhere' },
    });
    expect(different.result).toBe('stale');
    const failedLate = await deliverTaskOutcome(h.client, workflowId, {
      taskExecutionId: task.id,
      attempt: 1,
      status: 'FAILED',
      error: { message: 'late', retryable: true },
    });
    expect(failedLate.result).toBe('stale');

    await handle.result();
    const [after] = await t.db.select().from(taskExecutions).where(eq(taskExecutions.id, task.id));
    expect(after!.outputData).toEqual(realisticOutput('research_municipality'));
    const completions = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, task.id));
    expect(completions.filter((e) => e.action === 'task.completed')).toHaveLength(1);

    // The workflow has ended: a clear answer, nothing changed.
    expect((await deliverTaskOutcome(h.client, workflowId, done)).result).toBe('closed');
    expect((await deliverTaskOutcome(h.client, `payoff-${randomUUID()}`, done)).result).toBe(
      'closed',
    );
  });

  it('rejects an outcome for an unknown task, the wrong attempt, or with a malformed payload, naming the problem', async () => {
    const { rowId, workflowId, handle } = await start(silentFirst);
    const task = await running1(rowId);
    const rejected = (o: unknown) =>
      deliverTaskOutcome(h.client, workflowId, o as TaskOutcome).then(
        (a) => `answered ${a.result}`,
        (err: unknown) =>
          err instanceof MessageRejectedError ? err.message : `other: ${String(err)}`,
      );
    expect(
      await rejected({
        taskExecutionId: randomUUID(),
        attempt: 1,
        status: 'COMPLETED',
        output: {},
      }),
    ).toMatch(/Unknown task execution/);
    expect(
      await rejected({ taskExecutionId: task.id, attempt: 2, status: 'COMPLETED', output: {} }),
    ).toMatch(/is attempt 1, not 2/);
    expect(await rejected({ taskExecutionId: task.id, attempt: 1, status: 'COMPLETED' })).toMatch(
      /output/,
    );
    expect(
      await rejected({
        taskExecutionId: task.id,
        attempt: 1,
        status: 'FAILED',
        error: { message: 'x' },
      }),
    ).toMatch(/error\.retryable/);
    expect(await rejected({ taskExecutionId: task.id, attempt: 1, status: 'DONE' })).toMatch(
      /status/,
    );
    expect(
      await rejected({
        taskExecutionId: task.id,
        attempt: 1,
        status: 'COMPLETED',
        output: {},
        extra: 1,
      }),
    ).toMatch(/extra/);
    // Nothing of that reached the task.
    const [still] = await t.db.select().from(taskExecutions).where(eq(taskExecutions.id, task.id));
    expect(still!.status).toBe('RUNNING');
    await deliverTaskOutcome(h.client, workflowId, {
      taskExecutionId: task.id,
      attempt: 1,
      status: 'COMPLETED',
      output: {},
    });
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('rejects a generate_invoice result that is not a valid invoice', async () => {
    let invoiceTask: string | undefined;
    const { workflowId, handle } = await start((ctx) => {
      if (ctx.dispatch.taskType !== 'generate_invoice') return completeAll(ctx);
      invoiceTask = ctx.dispatch.taskExecutionId;
      return { status: 'SILENT' };
    });
    const id = await eventually('generate_invoice dispatched', () => invoiceTask);
    await expect(
      deliverTaskOutcome(h.client, workflowId, {
        taskExecutionId: id,
        attempt: 1,
        status: 'COMPLETED',
        output: { lines: [{ description: 'Fee', unitPrice: '-3' }] },
      }),
    ).rejects.toThrow(/lines\.0\.unitPrice/);
    await deliverTaskOutcome(h.client, workflowId, {
      taskExecutionId: id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('generate_invoice'),
    });
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('is never lost when no worker is up: the Update times out, the Signal is stored and applied later, once', async () => {
    const { rowId, workflowId, handle } = await start(silentFirst);
    const task = await running1(rowId);
    await h.stopWorker();
    try {
      const outcome: TaskOutcome = {
        taskExecutionId: task.id,
        attempt: 1,
        status: 'COMPLETED',
        output: realisticOutput('research_municipality'),
      };
      const answer = await deliverTaskOutcome(h.client, workflowId, outcome, {
        updateTimeoutMs: 1_000,
      });
      expect(answer.result).toBe('queued');
      // n8n retries the callback: a second copy is queued too.
      expect(
        (await deliverTaskOutcome(h.client, workflowId, outcome, { updateTimeoutMs: 500 })).result,
      ).toBe('queued');
    } finally {
      await h.startWorker();
    }
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('lien-search-outcome-by-signal-v2', 'dev', h.address, handle.workflowId);
    const completions = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, task.id));
    expect(completions.filter((e) => e.action === 'task.completed')).toHaveLength(1);
    expect((await workflowRow(t, rowId)).status).toBe('COMPLETED');
  });
});

describe('dispatch to n8n', () => {
  it('stops waiting for a failing dispatch once the outcome is in (n8n did the work, its answer got lost)', async () => {
    const { rowId, handle } = await start(async (ctx) => {
      if (ctx.dispatch.taskType !== 'research_municipality') return completeAll(ctx);
      await deliverTaskOutcome(h.client, ctx.dispatch.temporalWorkflowId, {
        taskExecutionId: ctx.dispatch.taskExecutionId,
        attempt: ctx.dispatch.attempt,
        status: 'COMPLETED',
        output: realisticOutput('research_municipality'),
      });
      return { status: 'HTTP', code: 503 };
    });
    // Without the outcome ending the wait, the dispatch would retry for an hour first.
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('lien-search-outcome-overtakes-dispatch-v2', 'dev', h.address, handle.workflowId);
    const rows = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(rows.filter((r) => r.taskType === 'research_municipality').map((r) => r.status)).toEqual(
      ['COMPLETED'],
    );
  });

  it('retries a 5xx until n8n takes the task, with the same idempotency key each time', async () => {
    const { rowId, handle } = await start((ctx) =>
      ctx.dispatch.taskType === 'research_municipality' && ctx.count <= 2
        ? { status: 'HTTP', code: 503 }
        : completeAll(ctx),
    );
    expect((await handle.result()).status).toBe('COMPLETED');
    const first = h.standIn.dispatches.filter(
      (d) => d.workflowId === rowId && d.taskType === 'research_municipality',
    );
    expect(first).toHaveLength(3);
    expect(new Set(first.map((d) => d.idempotencyKey)).size).toBe(1);
    const attempts = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(attempts.filter((a) => a.taskType === 'research_municipality')).toHaveLength(1);
  });

  it('treats a 4xx as final: the attempt fails and escalates', async () => {
    const { rowId, handle } = await start((ctx) =>
      ctx.dispatch.taskType === 'research_municipality'
        ? { status: 'HTTP', code: 422 }
        : completeAll(ctx),
    );
    const escalation = await eventually(
      'an escalation',
      async () =>
        (await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId)))[0],
    );
    expect(escalation.trigger).toBe('NON_RETRYABLE_FAILURE');
    expect(escalation.reason).toMatch(/Dispatch to n8n failed: .*422/);
    expect(h.standIn.dispatches.filter((d) => d.workflowId === rowId)).toHaveLength(1);
    await handle.cancel();
  });
});

describe('cancellation from Temporal', () => {
  it('stops the running step and closes the rows as CANCELLED', async () => {
    const { rowId, handle } = await start(silentFirst);
    const task = await running1(rowId);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await workflowRow(t, rowId)).status).toBe('CANCELLED');
    const rows = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(rows.every((r) => r.status === 'CANCELLED')).toBe(true);
    expect(rows.find((r) => r.id === task.id)!.status).toBe('CANCELLED');
    const [sla] = await t.db
      .select()
      .from(slaTracking)
      .where(eq(slaTracking.taskExecutionId, task.id));
    expect(sla!.status).toBe('CANCELLED');
  });
});

describe('inbound documents', () => {
  it('records a document that comes before the workflow has written its rows against its task, with no write refused on the way', async () => {
    // No worker: the workflow is started and the HOA's documents are signalled before its
    // first task runs, so they reach the workflow together with its start.
    await h.stopWorker();
    const { rowId, workflowId } = await h.start('HOA_ACQUISITION');
    const documentId = randomUUID();
    await h.client.workflow.getHandle(workflowId).signal(documentReceivedSignal, {
      documentId,
      kind: 'HOA_DOCUMENTS',
      filename: 'resale-certificate.pdf',
      storageUrl: 's3://docs/resale-certificate.pdf',
      source: 'HOA',
    });
    // A slow database: the workflow row stays locked for a moment, so the write that creates
    // the task rows (initializeWorkflow) cannot commit yet when the worker takes the start.
    const lock = await t.pool.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM workflows WHERE id = $1 FOR UPDATE', [rowId]);
    await h.startWorker();
    await new Promise((r) => setTimeout(r, 1_500));
    await lock.query('COMMIT');
    lock.release();
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    expect((await handle.result()).status).toBe('COMPLETED');
    // The database writes as the history recorded them (local activities are markers): the
    // document's was asked for once the task rows were written, and its first try went in
    // (a write the database refused would have been tried again: attempt 2 or more).
    const writes = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const payload = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      if (e.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !payload)
        return [];
      return [
        JSON.parse(Buffer.from(payload).toString()) as { activity_type: string; attempt: number },
      ];
    });
    const order = writes.map((w) => w.activity_type);
    expect(order.indexOf('recordDocument')).toBeGreaterThan(order.indexOf('initializeWorkflow'));
    expect(writes.find((w) => w.activity_type === 'recordDocument')).toMatchObject({ attempt: 1 });

    const [awaiting] = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId))
      .orderBy(asc(taskExecutions.stepIndex))
      .then((rows) => rows.filter((r) => r.taskType === 'await_documents'));
    const [doc] = await t.db.select().from(documents).where(eq(documents.id, documentId));
    expect(doc).toMatchObject({ workflowId: rowId, taskExecutionId: awaiting!.id });
  });
});
