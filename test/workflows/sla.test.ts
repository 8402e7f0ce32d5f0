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
import { deliverTaskOutcome } from '../../src/clients/business-workflows.js';
import { resolveEscalationUpdate } from '../../workflows/business/messages.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { insertHilUser } from '../helpers/fixtures.js';
import { completeAll, realisticOutput } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

const HOUR = 3600_000;
const MINUTE = 60_000;
/** portal_access (definition v2): Rex is expected within 30 min, plus a 15 min margin. */
const DEADLINE = 45 * MINUTE;
/** 60, 80, 95 and 100% of 24 hours: 14.4 h, 19.2 h, 22.8 h, 24 h. */
const [AT_60, AT_80, AT_95, AT_100] = [51_840_000, 69_120_000, 82_080_000, 86_400_000];
let t: TestDatabase;
let h: Harness;
let hil: string;

beforeAll(async () => {
  // portal_access (24 h SLA) never answers on its own: each attempt is lost at its outcome
  // deadline, the retries too, and an escalation waits for a person while the ladder runs.
  // Everything else completes at once.
  ({ t, h } = await startHarness({
    timeSkipping: true,
    script: (ctx) =>
      ctx.dispatch.taskType === 'portal_access' ? { status: 'SILENT' } : completeAll(ctx),
  }));
  hil = await insertHilUser(t.db);
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
    // Each level also carries when it was really written (the database's clock).
    for (const at of [
      sla.yellowRecordedAt,
      sla.orangeRecordedAt,
      sla.redRecordedAt,
      sla.breachedRecordedAt,
    ]) {
      expect(at).toBeInstanceOf(Date);
    }

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

    // Rex never reports: each attempt is lost at its deadline (recorded by the system, not the
    // agent) and retried after the step's backoff, 5 min then 15; the third one escalates.
    const portal = (
      await t.db
        .select()
        .from(taskExecutions)
        .where(eq(taskExecutions.workflowId, rowId))
        .orderBy(asc(taskExecutions.stepIndex), asc(taskExecutions.attempt))
    ).filter((r) => r.taskType === 'portal_access');
    expect(portal.map((a) => [a.attempt, a.status, a.errorRetryable])).toEqual([
      [1, 'FAILED', true],
      [2, 'FAILED', true],
      [3, 'FAILED', true],
    ]);
    for (const a of portal) {
      expect(a.errorMessage).toContain('No outcome from the agent (Rex) by its deadline');
      const ran = a.completedAt!.getTime() - a.startedAt!.getTime();
      expect(ran).toBeGreaterThanOrEqual(DEADLINE);
      expect(ran).toBeLessThan(DEADLINE + MINUTE);
    }
    expect(
      portal[1]!.startedAt!.getTime() - portal[0]!.completedAt!.getTime(),
    ).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(
      portal[2]!.startedAt!.getTime() - portal[1]!.completedAt!.getTime(),
    ).toBeGreaterThanOrEqual(15 * MINUTE);
    const lost = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, portal[0]!.id));
    expect(lost.find((e) => e.action === 'task.failed')).toMatchObject({ actorType: 'SYSTEM' });

    // ORANGE alerts the HIL team, BREACHED tells a manager; RED opens no second escalation,
    // since one is open already (and re-notified every 2 h).
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
    const of = (kind: string) => messages.filter((m) => m.kind === kind);
    expect(of('SLA_ALERT').map((m) => [m.team, m.level, m.at.getTime() - started])).toEqual([
      ['HIL', 'ORANGE', AT_80],
    ]);
    expect(of('MANAGER_NOTICE').map((m) => [m.team, m.level, m.at.getTime() - started])).toEqual([
      ['MANAGERS', 'BREACHED', AT_100],
    ]);
    expect(of('ESCALATION_OPENED')).toHaveLength(1);
    const [escalation] = await t.db
      .select()
      .from(escalations)
      .where(eq(escalations.workflowId, rowId));
    expect(escalation).toMatchObject({
      trigger: 'RETRIES_EXHAUSTED',
      status: 'OPEN',
      taskExecutionId: portal[2]!.id,
      slaLevel: 'GREEN',
    });
    expect(escalation!.reason).toContain('3 attempts failed');
    expect(escalation!.notificationCount).toBe(1 + of('ESCALATION_REMINDER').length);

    // Rex's answer to the third attempt comes at last: that attempt was recorded as lost, so it
    // is stale and changes nothing.
    const late = await deliverTaskOutcome(h.client, `municipal-lien-search-${rowId}`, {
      taskExecutionId: portal[2]!.id,
      attempt: 3,
      status: 'COMPLETED',
      output: realisticOutput('portal_access'),
    });
    expect(late).toMatchObject({ result: 'stale' });

    // A person retries; this time the answer comes, and the workflow finishes.
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(
      `municipal-lien-search-${rowId}`,
    );
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation!.id, userId: hil, action: 'RETRY' }],
    });
    const fourth = await eventually('the fourth attempt dispatched', () =>
      Promise.resolve(
        h.standIn.dispatches.find(
          (d) => d.workflowId === rowId && d.taskType === 'portal_access' && d.attempt === 4,
        ),
      ),
    );
    const answer = await deliverTaskOutcome(h.client, `municipal-lien-search-${rowId}`, {
      taskExecutionId: fourth.taskExecutionId,
      attempt: 4,
      status: 'COMPLETED',
      output: realisticOutput('portal_access'),
    });
    expect(answer.result).toBe('applied');
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('lien-search-sla-breached-v2', 'time-skipping', h.address, handle.workflowId);
    const [closed] = await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId));
    expect(closed!.status).toBe('RESOLVED');
    expect((await slaOf(task.id)).status).toBe('COMPLETED');
  });

  it('records no level for a step that finishes before 60%', async () => {
    const { rowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
    const task = await portalTask(rowId);
    // Rex never answers; three lost attempts later a person holds the step, and completes it by
    // hand at 58% of the SLA.
    await h.env!.sleep('14 hours');
    const [escalation] = await t.db
      .select()
      .from(escalations)
      .where(eq(escalations.workflowId, rowId));
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(
      `municipal-lien-search-${rowId}`,
    );
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [
        {
          escalationId: escalation!.id,
          userId: hil,
          action: 'COMPLETE',
          output: realisticOutput('portal_access'),
        },
      ],
    });
    expect((await handle.result()).status).toBe('COMPLETED');
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
  });
});
