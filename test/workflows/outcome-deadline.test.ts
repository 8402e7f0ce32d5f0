import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, escalations, taskExecutions } from '../../db/schema/index.js';
import { deliverTaskOutcome } from '../../src/clients/business-workflows.js';
import {
  LIEN_SEARCH_ROWS,
  rowCounts,
  startHarness,
  stopHarness,
  type Harness,
} from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll, forTask, realisticOutput, type Script } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

// The workflow owns a deadline per dispatched attempt (the agent's expected time plus a
// margin, from the step definition): an outcome that never arrives (n8n crashed, its callback
// died) costs one retry, never a stuck workflow.

const MINUTE = 60_000;
/** research_municipality (definition v2): Nina is expected within 15 min, plus 15 min. */
const DEADLINE = 30 * MINUTE;

let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  ({ t, h } = await startHarness({ timeSkipping: true }));
});
afterAll(() => stopHarness(t, h));

/** A lien search whose research_municipality runs `script`. */
const start = (script: Script) =>
  h.start('MUNICIPAL_LIEN_SEARCH', { script: forTask('research_municipality', script) });

async function researchAttempts(rowId: string) {
  const rows = await t.db
    .select()
    .from(taskExecutions)
    .where(eq(taskExecutions.workflowId, rowId))
    .orderBy(asc(taskExecutions.attempt));
  return rows.filter((r) => r.taskType === 'research_municipality');
}

describe('the outcome deadline of a dispatched attempt', () => {
  it('counts an attempt whose outcome never comes as lost and retries it; the late outcome is stale', async () => {
    // The first dispatch is taken (202) and its callback never arrives; the second is answered.
    const { rowId, handle } = await start((ctx) =>
      ctx.count === 1 ? { status: 'SILENT' } : completeAll(ctx),
    );
    const first = await eventually('the first attempt RUNNING', async () => {
      const [a] = await researchAttempts(rowId);
      return a?.status === 'RUNNING' ? a : undefined;
    });

    // Just before the deadline nothing has happened yet.
    await h.env!.sleep(DEADLINE - MINUTE);
    expect((await researchAttempts(rowId)).map((a) => a.status)).toEqual(['RUNNING']);

    // Past it: the attempt is FAILED (retryable, by the system), the backoff (5 min) runs, and
    // a second attempt is dispatched and answered; the workflow completes.
    expect((await handle.result()).status).toBe('COMPLETED');
    recordHistory('lien-search-outcome-lost-v2', 'time-skipping', h.address, handle.workflowId);
    const attempts = await researchAttempts(rowId);
    expect(attempts.map((a) => [a.attempt, a.status, a.errorRetryable])).toEqual([
      [1, 'FAILED', true],
      [2, 'COMPLETED', null],
    ]);
    const lost = attempts[0]!;
    expect(lost.errorMessage).toContain('No outcome from the agent (Nina) by its deadline');
    const ran = lost.completedAt!.getTime() - lost.startedAt!.getTime();
    expect(ran).toBeGreaterThanOrEqual(DEADLINE);
    expect(ran).toBeLessThan(DEADLINE + MINUTE);
    expect(attempts[1]!.startedAt!.getTime() - lost.completedAt!.getTime()).toBeGreaterThanOrEqual(
      5 * MINUTE,
    );
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, first.id));
    expect(events.map((e) => [e.action, e.actorType]).sort()).toEqual(
      [
        ['task.failed', 'SYSTEM'],
        ['task.started', 'SYSTEM'],
      ].sort(),
    );

    // n8n's callback for the lost attempt turns up at last: stale, and nothing changes.
    const late = await deliverTaskOutcome(h.client, handle.workflowId, {
      taskExecutionId: lost.id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('research_municipality'),
    });
    // The workflow has ended by now: it answers closed, and nothing is applied.
    expect(late.result).toBe('closed');
    expect((await researchAttempts(rowId)).map((a) => a.status)).toEqual(['FAILED', 'COMPLETED']);

    // One more task row and its two audit events (started, failed) than an undisturbed run.
    expect(await rowCounts(t, rowId)).toEqual({
      ...LIEN_SEARCH_ROWS,
      task_executions: LIEN_SEARCH_ROWS.task_executions + 1,
      audit_events: LIEN_SEARCH_ROWS.audit_events + 3,
    });
  });

  it('answers a late outcome of the lost attempt as stale while the workflow still runs', async () => {
    // Both attempts stay silent: after the first is lost, its outcome arrives during the
    // second one, and is refused as stale; the second still counts.
    const { rowId, handle } = await start(() => ({ status: 'SILENT' }));
    const [first] = await eventually('the first attempt RUNNING', async () => {
      const rows = await researchAttempts(rowId);
      return rows[0]?.status === 'RUNNING' ? rows : undefined;
    });
    await h.env!.sleep(DEADLINE + 6 * MINUTE);
    const second = await eventually('a second attempt RUNNING', async () => {
      const rows = await researchAttempts(rowId);
      return rows[1]?.status === 'RUNNING' ? rows[1] : undefined;
    });
    const late = await deliverTaskOutcome(h.client, handle.workflowId, {
      taskExecutionId: first!.id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('research_municipality'),
    });
    expect(late).toMatchObject({ result: 'stale' });
    expect(late.message).toContain('already has a different outcome');
    const onTime = await deliverTaskOutcome(h.client, handle.workflowId, {
      taskExecutionId: second.id,
      attempt: 2,
      status: 'COMPLETED',
      output: realisticOutput('research_municipality'),
    });
    expect(onTime.result).toBe('applied');
    expect((await handle.result()).status).toBe('COMPLETED');
    expect((await researchAttempts(rowId)).map((a) => a.status)).toEqual(['FAILED', 'COMPLETED']);
  });

  it('applies an outcome that comes just before the deadline, and escalates when every attempt is lost', async () => {
    const { rowId, handle } = await start(() => ({ status: 'SILENT' }));
    const [first] = await eventually('the first attempt RUNNING', async () => {
      const rows = await researchAttempts(rowId);
      return rows[0]?.status === 'RUNNING' ? rows : undefined;
    });
    // In time, by a minute: applied, no retry.
    await h.env!.sleep(DEADLINE - MINUTE);
    const answer = await deliverTaskOutcome(h.client, handle.workflowId, {
      taskExecutionId: first!.id,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('research_municipality'),
    });
    expect(answer.result).toBe('applied');
    expect((await handle.result()).status).toBe('COMPLETED');
    expect((await researchAttempts(rowId)).map((a) => a.status)).toEqual(['COMPLETED']);

    // A workflow whose agent never answers at all: three lost attempts, then a person decides.
    const silent = await start(() => ({ status: 'SILENT' }));
    await eventually('the first attempt RUNNING', async () => {
      const rows = await researchAttempts(silent.rowId);
      return rows[0]?.status === 'RUNNING' ? rows : undefined;
    });
    await h.env!.sleep(3 * DEADLINE + 21 * MINUTE);
    const escalation = await eventually('an open escalation', async () => {
      const [e] = await t.db
        .select()
        .from(escalations)
        .where(eq(escalations.workflowId, silent.rowId));
      return e?.status === 'OPEN' ? e : undefined;
    });
    expect(escalation).toMatchObject({ trigger: 'RETRIES_EXHAUSTED' });
    expect(escalation.reason).toContain('No outcome from the agent');
    expect((await researchAttempts(silent.rowId)).map((a) => a.status)).toEqual([
      'FAILED',
      'FAILED',
      'FAILED',
    ]);
    await silent.handle.cancel();
  });
});
