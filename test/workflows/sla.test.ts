import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  communications,
  escalations,
  messageMetadata,
  slaTracking,
  taskExecutions,
} from '../../db/schema/index.js';
import { deliverTaskOutcome } from '../../src/workflows/service.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll, realisticOutput } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

const HOUR = 3600_000;
/** 60, 80, 95 and 100% of 24 hours: 14.4 h, 19.2 h, 22.8 h, 24 h. */
const [AT_60, AT_80, AT_95, AT_100] = [51_840_000, 69_120_000, 82_080_000, 86_400_000];
let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  // portal_access (24 h SLA) never answers on its own; everything else completes at once.
  ({ t, h } = await startHarness({
    timeSkipping: true,
    script: (ctx) =>
      ctx.dispatch.taskType === 'portal_access' ? { status: 'SILENT' } : completeAll(ctx),
  }));
});
afterAll(() => stopHarness(t, h));

async function portalTask(rowId: string) {
  return eventually('portal_access to be dispatched', async () => {
    const dispatched = h.standIn.dispatches.find(
      (d) => d.workflowId === rowId && d.taskType === 'portal_access',
    );
    if (!dispatched) return undefined;
    const [task] = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.id, dispatched.taskExecutionId));
    return task?.status === 'RUNNING' ? task : undefined;
  });
}

async function slaOf(taskExecutionId: string) {
  const [sla] = await t.db
    .select()
    .from(slaTracking)
    .where(eq(slaTracking.taskExecutionId, taskExecutionId));
  return sla!;
}

describe('the SLA ladder (24-hour SLA, time skipping)', () => {
  it('reaches YELLOW, ORANGE, RED and BREACHED once each, in order, at 60/80/95/100%', async () => {
    const { rowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
    const task = await portalTask(rowId);
    await h.env!.sleep('25 hours');

    const sla = await slaOf(task.id);
    const started = sla.startedAt.getTime();
    expect(sla.slaSeconds).toBe(24 * 3600);
    expect(sla.dueAt.getTime() - started).toBe(AT_100);
    expect(sla.alertLevel).toBe('BREACHED');
    expect(sla.status).toBe('ACTIVE');
    expect(
      [sla.yellowAt, sla.orangeAt, sla.redAt, sla.breachedAt].map((d) => d!.getTime() - started),
    ).toEqual([AT_60, AT_80, AT_95, AT_100]);

    const levels = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, sla.id))
      .orderBy(asc(auditEvents.createdAt));
    expect(
      levels.map((e) => [
        e.action,
        (e.eventData as { level: string }).level,
        e.createdAt.getTime() - started,
      ]),
    ).toEqual([
      ['sla.level_reached', 'YELLOW', AT_60],
      ['sla.level_reached', 'ORANGE', AT_80],
      ['sla.level_reached', 'RED', AT_95],
      ['sla.level_reached', 'BREACHED', AT_100],
    ]);

    // ORANGE alerts the HIL team, RED opens an escalation (which notifies), BREACHED tells a manager.
    const messages = await t.db
      .select({
        kind: messageMetadata.notificationKind,
        team: messageMetadata.recipientTeam,
        level: messageMetadata.slaLevel,
        at: communications.createdAt,
      })
      .from(communications)
      .innerJoin(messageMetadata, eq(messageMetadata.communicationId, communications.id))
      .where(eq(communications.workflowId, rowId))
      .orderBy(asc(communications.createdAt));
    // Escalations are opened (and re-notified every 2 h) by the main flow, a moment after RED.
    const within = (at: number, from: number) =>
      at - started >= from && at - started < from + 60_000;
    expect(messages.map((m) => [m.kind, m.team])).toEqual([
      ['SLA_ALERT', 'HIL'],
      ['ESCALATION_OPENED', 'HIL'],
      ['MANAGER_NOTICE', 'MANAGERS'],
      ['ESCALATION_REMINDER', 'HIL'],
    ]);
    const [orange, opened, breached, reminder] = messages.map((m) => m.at.getTime());
    expect(orange! - started).toBe(AT_80);
    expect(within(opened!, AT_95)).toBe(true);
    expect(breached! - started).toBe(AT_100);
    expect(within(reminder!, AT_95 + 2 * HOUR)).toBe(true);
    expect(messages.map((m) => m.level)).toEqual(['ORANGE', null, 'BREACHED', null]);
    const [escalation] = await t.db
      .select()
      .from(escalations)
      .where(eq(escalations.workflowId, rowId));
    expect(escalation).toMatchObject({
      trigger: 'SLA_RED',
      status: 'OPEN',
      taskExecutionId: task.id,
      slaLevel: 'RED',
      notificationCount: 2,
    });

    // The agent answers late: the step completes, the escalation no longer applies, the workflow finishes.
    const answer = await deliverTaskOutcome(h.client, `workflow-${rowId}`, {
      taskExecutionId: task.id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('portal_access'),
    });
    expect(answer.result).toBe('applied');
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(`workflow-${rowId}`);
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('lien-search-sla-breached', 'time-skipping', h.address, handle.workflowId);
    const [closed] = await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId));
    expect(closed!.status).toBe('CANCELLED');
    expect((await slaOf(task.id)).status).toBe('COMPLETED');
  });

  it('records no level for a step that finishes before 60%', async () => {
    const { rowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
    const task = await portalTask(rowId);
    await h.env!.sleep('14 hours'); // 58% of 24 h
    await deliverTaskOutcome(h.client, `workflow-${rowId}`, {
      taskExecutionId: task.id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('portal_access'),
    });
    expect(
      (await h.client.workflow.getHandle<typeof businessWorkflow>(`workflow-${rowId}`).result())
        .status,
    ).toBe('COMPLETED');
    await h.env!.sleep('30 hours'); // the cancelled timers stay cancelled

    const sla = await slaOf(task.id);
    expect(sla).toMatchObject({
      alertLevel: 'GREEN',
      status: 'COMPLETED',
      yellowAt: null,
      orangeAt: null,
      redAt: null,
      breachedAt: null,
    });
    expect(sla.completedAt!.getTime() - sla.startedAt.getTime()).toBeGreaterThanOrEqual(14 * HOUR);
    const levelEvents = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'sla.level_reached'));
    expect(levelEvents.filter((e) => e.workflowId === rowId)).toEqual([]);
    expect(await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId))).toEqual(
      [],
    );
  });
});
