import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseActivities, type AuditInput } from '../../activities/database.js';
import {
  auditEvents,
  communications,
  costItems,
  emailMetadata,
  escalations,
  invoices,
  messageMetadata,
  slaPauses,
  slaTracking,
  taskExecutions,
  workflows,
} from '../../db/schema/index.js';
import { rowCounts } from '../helpers/business.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertHilUser, insertWorkflow } from '../helpers/fixtures.js';

let t: TestDatabase;
let act: ReturnType<typeof createDatabaseActivities>;
beforeAll(async () => {
  t = await createTestDatabase();
  act = createDatabaseActivities(t.db);
});
afterAll(() => t.drop());

const T0 = Date.parse('2026-11-27T09:00:00Z');
const audit = (action: string, at = T0): AuditInput => ({
  id: randomUUID(),
  actorType: 'SYSTEM',
  actorId: 'test',
  action,
  resourceType: 'test',
  at,
});

/** Runs an activity call twice, as a retry after a crash would: the second must change nothing. */
async function twice(call: () => Promise<void>) {
  await call();
  await call();
}

describe('database activities repeated with the same input write nothing twice', () => {
  it('initialize, attempts, SLA levels, escalations, reminders, documents, invoice, close', async () => {
    const { workflow } = await insertWorkflow(t.db);
    const rowId = workflow.id;
    const task = {
      id: randomUUID(),
      workflowRowId: rowId,
      stepIndex: 0,
      attempt: 1,
      taskType: 'generate_invoice',
      title: 'Invoice',
      description: 'd',
      executorType: 'AI_AGENT' as const,
      agentName: 'Kosha',
      slaSeconds: 7200,
    };

    const init = {
      workflowRowId: rowId,
      temporalWorkflowId: `municipal-lien-search-${rowId}`,
      startedAt: T0,
      dueAt: T0 + 7200_000,
      tasks: [task],
      audit: audit('workflow.started'),
    };
    await twice(() => act.initializeWorkflow(init));
    const sla = { id: randomUUID(), slaSeconds: 7200, startedAt: T0, dueAt: T0 + 7200_000 };
    const start = {
      taskExecutionId: task.id,
      workflowRowId: rowId,
      status: 'RUNNING' as const,
      startedAt: T0,
      agentName: 'Kosha',
      inputData: { a: 1 },
      sla,
      audit: audit('task.started'),
    };
    await twice(() => act.startAttempt(start));

    const orange = {
      id: randomUUID(),
      workflowRowId: rowId,
      taskExecutionId: task.id,
      kind: 'SLA_ALERT',
      team: 'HIL' as const,
      subject: 's',
      body: 'b',
      slaLevel: 'ORANGE' as const,
      at: T0 + 5760_000,
    };
    const yellow: Parameters<typeof act.recordSlaLevel>[0] = {
      slaId: sla.id,
      workflowRowId: rowId,
      level: 'YELLOW',
      reachedAt: T0 + 4320_000,
      audit: audit('sla.level_reached'),
    };
    await twice(() => act.recordSlaLevel(yellow));
    const orangeLevel: Parameters<typeof act.recordSlaLevel>[0] = {
      slaId: sla.id,
      workflowRowId: rowId,
      level: 'ORANGE',
      reachedAt: T0 + 5760_000,
      notification: orange,
      audit: audit('sla.level_reached'),
    };
    await twice(() => act.recordSlaLevel(orangeLevel));

    const escalationId = randomUUID();
    const opened = { ...orange, id: randomUUID(), kind: 'ESCALATION_OPENED', slaLevel: undefined };
    const open: Parameters<typeof act.openEscalation>[0] = {
      id: escalationId,
      workflowRowId: rowId,
      taskExecutionId: task.id,
      trigger: 'SLA_RED',
      reason: 'slow',
      at: T0,
      notification: opened,
      audit: audit('escalation.opened'),
    };
    await twice(() => act.openEscalation(open));
    const reminder = {
      ...opened,
      id: randomUUID(),
      kind: 'ESCALATION_REMINDER',
      at: T0 + 7200_000,
      recipientUserId: randomUUID(), // an assignee whose account is gone: written as NULL
    };
    const remind: Parameters<typeof act.remindEscalation>[0] = {
      escalationId,
      workflowRowId: rowId,
      notification: reminder,
      audit: audit('escalation.reminded'),
    };
    await twice(() => act.remindEscalation(remind));
    const assignee = await insertHilUser(t.db);
    const assign: Parameters<typeof act.assignEscalation>[0] = {
      escalationId,
      workflowRowId: rowId,
      assigneeId: assignee,
      audit: audit('escalation.assigned'),
    };
    await twice(() => act.assignEscalation(assign));
    const followUpId = randomUUID();
    const followUp: Parameters<typeof act.recordFollowUp>[0] = {
      id: followUpId,
      workflowRowId: rowId,
      taskExecutionId: task.id,
      channel: 'EMAIL',
      number: 1,
      subject: 'Follow-up 1',
      body: 'Still waiting',
      recipient: 'docs@hoa.example',
      at: T0 + 3000_000,
      audit: audit('followup.queued'),
    };
    await twice(() => act.recordFollowUp(followUp));
    const sent: Parameters<typeof act.markCommunication>[0] = {
      communicationId: followUpId,
      workflowRowId: rowId,
      status: 'SENT',
      providerMessageId: '<m1@mail>',
      at: T0 + 3001_000,
      audit: audit('communication.sent'),
    };
    await twice(() => act.markCommunication(sent));
    // A second message the connector gave the same ID: kept in its metadata only.
    const again = { ...followUp, id: randomUUID(), number: 2, audit: audit('followup.queued') };
    await twice(() => act.recordFollowUp(again));
    const sameId = { ...sent, communicationId: again.id, audit: audit('communication.sent') };
    await twice(() => act.markCommunication(sameId));

    const finish = {
      taskExecutionId: task.id,
      workflowRowId: rowId,
      status: 'COMPLETED' as const,
      completedAt: T0 + 3600_000,
      outputData: { ok: true },
      closeSlaId: sla.id,
      audit: audit('task.completed'),
    };
    await twice(() => act.finishAttempt(finish));
    const closeEsc: Parameters<typeof act.closeEscalation>[0] = {
      escalationId,
      workflowRowId: rowId,
      status: 'CANCELLED',
      at: T0 + 3600_000,
      audit: audit('escalation.cancelled'),
    };
    await twice(() => act.closeEscalation(closeEsc));

    const invoice = {
      id: randomUUID(),
      workflowRowId: rowId,
      taskExecutionId: task.id,
      invoiceNumber: `INV-${randomUUID().slice(0, 8)}`,
      currency: 'USD',
      tax: '1.10',
      at: T0,
      lines: [
        {
          id: randomUUID(),
          description: 'Fee',
          category: 'SERVICE_FEE',
          quantity: '1.5',
          unitPrice: '33.33',
        },
        {
          id: randomUUID(),
          description: 'Copy',
          category: 'THIRD_PARTY_FEE',
          quantity: '3',
          unitPrice: '0.10',
        },
      ],
      audit: audit('invoice.issued'),
    };
    await twice(() => act.createInvoice(invoice));
    const doc = {
      id: randomUUID(),
      workflowRowId: rowId,
      filename: 'a.pdf',
      storageUrl: 's3://a.pdf',
      metadata: {},
      at: T0,
      audit: audit('document.received'),
    };
    await twice(() => act.recordDocument(doc));
    const close: Parameters<typeof act.closeWorkflow>[0] = {
      workflowRowId: rowId,
      status: 'COMPLETED',
      completedAt: T0 + 3600_000,
      audit: audit('workflow.completed'),
    };
    await twice(() => act.closeWorkflow(close));

    expect(await rowCounts(t, rowId)).toEqual({
      task_executions: 1,
      sla_tracking: 1,
      escalations: 1,
      communications: 5,
      documents: 1,
      audit_events: 16,
      invoices: 1,
      cost_items: 2,
    });
    const [sl] = await t.db.select().from(slaTracking).where(eq(slaTracking.id, sla.id));
    expect(sl).toMatchObject({
      alertLevel: 'ORANGE',
      yellowAt: new Date(T0 + 4320_000),
      orangeAt: new Date(T0 + 5760_000),
      status: 'COMPLETED',
    });
    const [esc] = await t.db.select().from(escalations).where(eq(escalations.id, escalationId));
    expect(esc).toMatchObject({ notificationCount: 2, status: 'CANCELLED', assignedTo: assignee });
    const [te] = await t.db.select().from(taskExecutions).where(eq(taskExecutions.id, task.id));
    expect(te).toMatchObject({
      status: 'COMPLETED',
      startedAt: new Date(T0),
      completedAt: new Date(T0 + 3600_000),
    });
    // Exact decimals: 1.5 x 33.33 = 49.995 -> 50.00 (SQL round), + 0.30 + 1.10 tax.
    const [inv] = await t.db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(inv).toMatchObject({ subtotal: '50.30', tax: '1.10', total: '51.40' });
    expect(
      (await t.db.select().from(costItems).where(eq(costItems.invoiceId, invoice.id)))
        .map((c) => c.amount)
        .sort(),
    ).toEqual(['0.30', '50.00']);
    const [wf] = await t.db.select().from(workflows).where(eq(workflows.id, rowId));
    expect(wf).toMatchObject({
      status: 'COMPLETED',
      temporalWorkflowId: `municipal-lien-search-${rowId}`,
    });
    expect(
      (await t.db.select().from(communications).where(eq(communications.workflowId, rowId))).length,
    ).toBe(5);
    expect(
      (await t.db.select().from(auditEvents).where(eq(auditEvents.workflowId, rowId))).length,
    ).toBe(16);
    const [mail] = await t.db
      .select()
      .from(communications)
      .where(eq(communications.id, followUpId));
    expect(mail).toMatchObject({
      status: 'SENT',
      recipient: 'docs@hoa.example',
      sentAt: new Date(T0 + 3001_000),
      metadata: { followUpNumber: 1, providerMessageId: '<m1@mail>' },
    });
    const [meta] = await t.db
      .select()
      .from(emailMetadata)
      .where(eq(emailMetadata.communicationId, followUpId));
    expect(meta!.messageId).toBe('<m1@mail>');
    const [second] = await t.db
      .select()
      .from(communications)
      .where(eq(communications.id, again.id));
    expect(second).toMatchObject({ status: 'SENT', metadata: { providerMessageId: '<m1@mail>' } });
    const [secondMeta] = await t.db
      .select()
      .from(emailMetadata)
      .where(eq(emailMetadata.communicationId, again.id));
    expect(secondMeta!.messageId).toBeNull();
    const [reminded] = await t.db
      .select()
      .from(messageMetadata)
      .where(eq(messageMetadata.communicationId, reminder.id));
    expect(reminded).toMatchObject({ recipientTeam: 'HIL', recipientUserId: null });
  });
});

describe('the SLA clock and adoption activities, repeated', () => {
  it('pause, resume, a moved due time and an adoption each write once', async () => {
    const { workflow } = await insertWorkflow(t.db);
    const rowId = workflow.id;
    const taskId = randomUUID();
    const slaId = randomUUID();
    const calendar = await act.readCalendar({ clientId: workflow.clientId });
    expect(calendar).toMatchObject({ timeZone: 'America/New_York', version: 1 });
    const adoption: Parameters<typeof act.adoptWorkflow>[0] = {
      workflowRowId: rowId,
      temporalWorkflowId: `payoff-${rowId}`,
      startedAt: T0,
      dueAt: T0 + 86_400_000,
      tasks: [
        {
          id: taskId,
          workflowRowId: rowId,
          stepIndex: 0,
          attempt: 1,
          taskType: 'identify_lender_contact',
          title: 'Identify lender contact',
          description: 'd',
          executorType: 'AI_AGENT',
          agentName: 'Nina',
          slaSeconds: 3600,
        },
      ],
      sla: {
        id: slaId,
        taskExecutionId: taskId,
        slaSeconds: 3600,
        startedAt: T0,
        dueAt: T0 + 3_600_000,
        counts: 'BUSINESS',
        calendarId: calendar.id,
        levels: [{ level: 'YELLOW', at: T0 + 2_160_000 }],
      },
      audit: audit('workflow.adopted'),
    };
    await twice(() => act.adoptWorkflow(adoption));
    const pause: Parameters<typeof act.pauseSlaClock>[0] = {
      pauseId: randomUUID(),
      slaId,
      workflowRowId: rowId,
      reason: 'INBOUND_WAIT',
      at: T0 + 600_000,
      countedMs: 600_000,
      audit: audit('sla.paused'),
    };
    await twice(() => act.pauseSlaClock(pause));
    const resume: Parameters<typeof act.resumeSlaClock>[0] = {
      pauseId: pause.pauseId,
      slaId,
      workflowRowId: rowId,
      at: T0 + 1_800_000,
      dueAt: T0 + 4_800_000,
      workflowDueAt: T0 + 90_000_000,
      audit: audit('sla.resumed'),
    };
    await twice(() => act.resumeSlaClock(resume));
    const moved: Parameters<typeof act.moveSlaDue>[0] = {
      slaId,
      workflowRowId: rowId,
      dueAt: T0 + 5_000_000,
      workflowDueAt: T0 + 91_000_000,
      calendarId: calendar.id,
      audit: audit('sla.calendar_changed'),
    };
    await twice(() => act.moveSlaDue(moved));

    const [clock] = await t.db.select().from(slaTracking).where(eq(slaTracking.id, slaId));
    expect(clock).toMatchObject({
      counts: 'BUSINESS',
      alertLevel: 'YELLOW',
      yellowAt: new Date(T0 + 2_160_000),
      pausedAt: null,
      countedMs: 600_000,
      countingSince: new Date(T0 + 1_800_000),
      dueAt: new Date(T0 + 5_000_000),
    });
    const pauses = await t.db.select().from(slaPauses).where(eq(slaPauses.slaId, slaId));
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toMatchObject({ resumedAt: new Date(T0 + 1_800_000) });
    const [wf] = await t.db.select().from(workflows).where(eq(workflows.id, rowId));
    expect(wf).toMatchObject({
      temporalWorkflowId: `payoff-${rowId}`,
      status: 'IN_PROGRESS',
      dueAt: new Date(T0 + 91_000_000),
    });
    expect(
      (await t.db.select().from(auditEvents).where(eq(auditEvents.workflowId, rowId))).map(
        (e) => e.action,
      ),
    ).toEqual(['workflow.adopted', 'sla.paused', 'sla.resumed', 'sla.calendar_changed']);
    // Another workflow cannot adopt a row this one owns.
    await expect(
      act.adoptWorkflow({
        ...adoption,
        temporalWorkflowId: 'someone-else',
        audit: audit('workflow.adopted'),
      }),
    ).rejects.toMatchObject({ type: 'RowOwnedElsewhereError', nonRetryable: true });
  });
});

describe('a write the database refuses for good', () => {
  it('fails non-retryably as DatabaseRefusedError naming the SQLSTATE and constraint, and writes nothing', async () => {
    const missingWorkflow = randomUUID();
    const attempt = {
      task: {
        id: randomUUID(),
        workflowRowId: missingWorkflow,
        stepIndex: 0,
        attempt: 2,
        taskType: 'research_municipality',
        title: 'Research',
        description: 'd',
        executorType: 'AI_AGENT' as const,
        agentName: 'Nina',
        slaSeconds: 60,
      },
      audit: audit('task.retry_scheduled'),
    };
    const err = await act.createAttempt(attempt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.type).toBe('DatabaseRefusedError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(
      /^createAttempt: the database refused the write \(SQLSTATE 23503, /,
    );
    expect(failure.details?.[0]).toMatchObject({ sqlState: '23503', table: 'task_executions' });
    // The transaction's audit event went with it.
    const audits = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.id, attempt.audit.id));
    expect(audits).toEqual([]);
  });
});
