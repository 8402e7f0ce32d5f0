import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, escalations, taskExecutions } from '../../db/schema/index.js';
import { resolveEscalationUpdate, statusQuery } from '../../workflows/business/messages.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { startHarness, stopHarness, rowCounts, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { insertHilUser } from '../helpers/fixtures.js';
import { completeAll, realisticOutput } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  ({ t, h } = await startHarness({
    timeSkipping: true,
    script: (ctx) =>
      ctx.dispatch.taskType === 'portal_access' && ctx.count === 1
        ? { status: 'NEEDS_HUMAN', reason: 'Portal needs a login nobody has' }
        : completeAll(ctx),
  }));
});
afterAll(() => stopHarness(t, h));

describe('continue-as-new', () => {
  it('keeps a long escalation wait small: new runs carry the state, nothing is written twice', async () => {
    const hil = await insertHilUser(t.db);
    const { rowId, workflowId } = await h.start('MUNICIPAL_LIEN_SEARCH', { maxHistoryEvents: 80 });
    const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
    const first = (await handle.describe()).runId;
    const escalation = await eventually('the escalation', async () => {
      await h.env!.sleep('1 minute');
      return (await t.db.select().from(escalations).where(eq(escalations.workflowId, rowId)))[0];
    });

    // 73 hours unanswered: 36 reminders (every 2 h), the 37th an hour away; far more history
    // than 80 events.
    await h.env!.sleep('73 hours');
    const latest = await handle.describe();
    expect(latest.runId).not.toBe(first);
    expect(latest.historyLength).toBeLessThan(80);
    expect(await handle.query(statusQuery)).toMatchObject({
      status: 'BLOCKED',
      openEscalation: { escalationId: escalation.id },
    });

    const [open] = await t.db.select().from(escalations).where(eq(escalations.id, escalation.id));
    expect(open!.notificationCount).toBe(37);
    const reminders = (
      await t.db.select().from(auditEvents).where(eq(auditEvents.resourceId, escalation.id))
    ).filter((e) => e.action === 'escalation.reminded');
    expect(reminders).toHaveLength(36);
    expect(new Set(reminders.map((r) => (r.eventData as { reminder: number }).reminder)).size).toBe(
      36,
    );

    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [
        {
          escalationId: escalation.id,
          userId: hil,
          action: 'COMPLETE',
          output: realisticOutput('portal_access'),
        },
      ],
    });
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory(
      'lien-search-resumed-after-continue-as-new-v2',
      'time-skipping',
      h.address,
      handle.workflowId,
    );
    const tasks = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(tasks.map((x) => x.status).sort()).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'FAILED',
    ]);
    expect(await rowCounts(t, rowId)).toMatchObject({
      task_executions: 6,
      sla_tracking: 5,
      escalations: 1,
      invoices: 1,
      cost_items: 2,
    });
  });
});
