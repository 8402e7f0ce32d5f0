import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  costItems,
  documents,
  invoices,
  slaTracking,
  taskExecutions,
} from '../../db/schema/index.js';
import { statusQuery } from '../../workflows/business/messages.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import {
  RexeraClientId,
  RexeraStatus,
  RexeraWorkflowType,
} from '../../workflows/search-attributes.js';
import {
  LIEN_SEARCH_ROWS,
  startHarness,
  stopHarness,
  rowCounts,
  workflowRow,
  type Harness,
} from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll, counterpartyAnswers, realisticOutput } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';

let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  ({ t, h } = await startHarness({
    script: async (ctx) => {
      await counterpartyAnswers(ctx);
      return completeAll(ctx);
    },
  }));
});
afterAll(() => stopHarness(t, h));

async function tasksOf(rowId: string) {
  return t.db
    .select()
    .from(taskExecutions)
    .where(eq(taskExecutions.workflowId, rowId))
    .orderBy(asc(taskExecutions.stepIndex), asc(taskExecutions.attempt));
}

async function auditActions(rowId: string) {
  const rows = await t.db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(eq(auditEvents.workflowId, rowId));
  return rows.map((r) => r.action).sort();
}

describe('each workflow type runs to COMPLETED with the scripted n8n stand-in', () => {
  it('PAYOFF: six steps, the agent chosen by the lender preference, the statement stored, an invoice', async () => {
    const { rowId, workflowId } = await h.start('PAYOFF');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    const result = await handle.result();
    recordHistory('payoff-completed-v2', 'dev', h.address, handle.workflowId);
    expect(result).toEqual({
      status: 'COMPLETED',
      completedSteps: [
        'identify_lender_contact',
        'send_payoff_request',
        'extract_payoff_data',
        'generate_invoice',
        'update_crm_record',
        'notify_client',
      ],
      skippedSteps: [],
    });

    const row = await workflowRow(t, rowId);
    expect(row.status).toBe('COMPLETED');
    expect(row.temporalWorkflowId).toBe(workflowId);
    expect(row.completedAt).toBeInstanceOf(Date);
    expect(row.dueAt!.getTime() - row.startedAt!.getTime()).toBe(
      (4 + 8 + 72 + 2 + 2 + 2) * 3600_000,
    );

    const tasks = await tasksOf(rowId);
    expect(tasks.map((x) => [x.taskType, x.agentName, x.channel, x.attempt, x.status])).toEqual([
      ['identify_lender_contact', 'Nina', null, 1, 'COMPLETED'],
      ['send_payoff_request', 'Max', 'IVR', 1, 'COMPLETED'],
      ['extract_payoff_data', 'Iris', null, 1, 'COMPLETED'],
      ['generate_invoice', 'Kosha', null, 1, 'COMPLETED'],
      ['update_crm_record', 'Ria', null, 1, 'COMPLETED'],
      ['notify_client', 'Mia', null, 1, 'COMPLETED'],
    ]);
    expect(tasks[0]!.outputData).toEqual(realisticOutput('identify_lender_contact'));
    // The agent of a later step got the outputs it needs, and the statement.
    const extractInput = tasks[2]!.inputData as {
      previousOutputs: Record<string, unknown>;
      documents: { filename: string }[];
    };
    expect(extractInput.previousOutputs.identify_lender_contact).toEqual(
      realisticOutput('identify_lender_contact'),
    );
    expect(extractInput.documents.map((d) => d.filename)).toEqual(['payoff-statement.pdf']);

    const slas = await t.db.select().from(slaTracking).where(eq(slaTracking.workflowId, rowId));
    expect(slas).toHaveLength(6);
    expect(
      slas.every(
        (s) => s.status === 'COMPLETED' && s.alertLevel === 'GREEN' && s.yellowAt === null,
      ),
    ).toBe(true);

    const docs = await t.db.select().from(documents).where(eq(documents.workflowId, rowId));
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      filename: 'payoff-statement.pdf',
      source: 'LENDER',
      taskExecutionId: tasks[2]!.id,
      fileSizeBytes: 48213,
    });

    const [invoice] = await t.db.select().from(invoices).where(eq(invoices.workflowId, rowId));
    expect(invoice).toMatchObject({
      status: 'ISSUED',
      currency: 'USD',
      subtotal: '120.00',
      tax: '8.25',
      total: '128.25',
      taskExecutionId: tasks[3]!.id,
      clientId: row.clientId,
    });
    const lines = await t.db
      .select()
      .from(costItems)
      .where(eq(costItems.invoiceId, invoice!.id))
      .orderBy(asc(costItems.amount));
    expect(lines.map((l) => [l.description, l.quantity, l.unitPrice, l.amount])).toEqual([
      ['Lender statement fee', '2.00', '12.50', '25.00'],
      ['Payoff processing fee', '1.00', '95.00', '95.00'],
    ]);

    expect(await rowCounts(t, rowId)).toEqual({
      task_executions: 6,
      sla_tracking: 6,
      escalations: 0,
      communications: 0,
      documents: 1,
      audit_events: 16,
      invoices: 1,
      cost_items: 2,
    });
    expect(await auditActions(rowId)).toEqual(
      [
        'workflow.started',
        ...Array<string>(6).fill('task.started'),
        ...Array<string>(6).fill('task.completed'),
        'document.received',
        'invoice.issued',
        'workflow.completed',
      ].sort(),
    );
  });

  it('HOA_ACQUISITION: Florian by phone (the HOA prefers it), a durable wait satisfied by the documents', async () => {
    const { rowId, workflowId } = await h.start('HOA_ACQUISITION', { priority: 'URGENT' });
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('hoa-acquisition-completed-v2', 'dev', h.address, handle.workflowId);

    const tasks = await tasksOf(rowId);
    expect(
      tasks.map((x) => [x.taskType, x.executorType, x.agentName, x.channel, x.status]),
    ).toEqual([
      ['research_hoa_contact', 'AI_AGENT', 'Nina', null, 'COMPLETED'],
      ['send_request', 'AI_AGENT', 'Florian', 'PHONE', 'COMPLETED'],
      ['await_documents', 'SYSTEM', null, null, 'COMPLETED'],
      ['analyze_hoa_docs', 'AI_AGENT', 'Corey', null, 'COMPLETED'],
      ['quality_validation', 'AI_AGENT', 'Cassy', null, 'COMPLETED'],
    ]);
    // URGENT halves every SLA.
    expect(tasks.map((x) => x.slaSeconds)).toEqual([4, 4, 120, 12, 4].map((hrs) => hrs * 3600));
    expect(tasks[2]!.outputData).toMatchObject({ documents: [{ filename: 'hoa-bundle.pdf' }] });
    const analyzeInput = tasks[3]!.inputData as { previousOutputs: Record<string, unknown> };
    expect(analyzeInput.previousOutputs.await_documents).toEqual(tasks[2]!.outputData);

    expect(await rowCounts(t, rowId)).toEqual({
      task_executions: 5,
      sla_tracking: 5,
      escalations: 0,
      communications: 0,
      documents: 1,
      audit_events: 13,
      invoices: 0,
      cost_items: 0,
    });
    expect(await auditActions(rowId)).toEqual(
      [
        'workflow.started',
        ...Array<string>(4).fill('task.started'),
        'task.waiting',
        ...Array<string>(5).fill('task.completed'),
        'document.received',
        'workflow.completed',
      ].sort(),
    );
    expect(await handle.query(statusQuery)).toMatchObject({
      status: 'COMPLETED',
      workflowType: 'HOA_ACQUISITION',
    });
  });

  it('MUNICIPAL_LIEN_SEARCH: five agent steps and an invoice; the Temporal UI sees its business state', async () => {
    const { rowId, workflowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('municipal-lien-search-completed-v2', 'dev', h.address, handle.workflowId);

    const tasks = await tasksOf(rowId);
    expect(tasks.map((x) => [x.taskType, x.agentName, x.status])).toEqual([
      ['research_municipality', 'Nina', 'COMPLETED'],
      ['portal_access', 'Rex', 'COMPLETED'],
      ['process_documents', 'Iris', 'COMPLETED'],
      ['quality_validation', 'Cassy', 'COMPLETED'],
      ['generate_invoice', 'Kosha', 'COMPLETED'],
    ]);
    expect(await rowCounts(t, rowId)).toEqual(LIEN_SEARCH_ROWS);

    const row = await workflowRow(t, rowId);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(RexeraWorkflowType)).toBe('MUNICIPAL_LIEN_SEARCH');
    expect(described.typedSearchAttributes.get(RexeraStatus)).toBe('COMPLETED');
    expect(described.typedSearchAttributes.get(RexeraClientId)).toBe(row.clientId);
    expect(await handle.query(statusQuery)).toMatchObject({
      status: 'COMPLETED',
      steps: tasks.map((x) => ({ taskType: x.taskType, status: 'COMPLETED', attempt: 1 })),
    });
  });

  it('starting the same row twice attaches to the one workflow', async () => {
    const { rowId, workflowId } = await h.start('PAYOFF');
    const { startBusinessWorkflow } = await import('../../src/clients/business-workflows.js');
    const again = await startBusinessWorkflow(
      { db: t.db, client: h.client, taskQueue: h.taskQueue },
      rowId,
    );
    expect(again.workflowId).toBe(workflowId);
    await h.client.workflow.getHandle<typeof businessWorkflow>(workflowId).result();
    expect((await rowCounts(t, rowId)).task_executions).toBe(6);
    const runs: string[] = [];
    for await (const wf of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runs.push(wf.runId);
    expect(new Set(runs).size).toBeLessThanOrEqual(1);
  });
});
