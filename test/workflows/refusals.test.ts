import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, invoices, slaTracking, taskExecutions } from '../../db/schema/index.js';
import { startHarness, stopHarness, workflowRow, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';

// A write the database refuses for good (here a check the test database adds, as a foreign
// key, the terminal-row guard or a value out of range would) is not retried forever: the
// row closes FAILED with the database's words, and the Temporal workflow fails with a
// DatabaseRefusedError an operator can find, fix and reset.

let t: TestDatabase;
let h: Harness;

beforeAll(async () => {
  ({ t, h } = await startHarness());
  // HIGH: the invoice is refused. URGENT: the first attempt's start is refused.
  await t.pool.query(`
    CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM workflows w WHERE w.id = NEW.workflow_id AND w.priority =
                 CASE TG_TABLE_NAME WHEN 'invoices' THEN 'HIGH' ELSE 'URGENT' END::priority_level) THEN
        RAISE EXCEPTION 'the test refuses % on %', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'check_violation', CONSTRAINT = 'test_refusal';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse BEFORE INSERT ON invoices
      FOR EACH ROW EXECUTE FUNCTION test_refuse();
    CREATE TRIGGER test_refuse BEFORE UPDATE OF status ON task_executions
      FOR EACH ROW WHEN (NEW.status = 'RUNNING') EXECUTE FUNCTION test_refuse();
  `);
});
afterAll(() => stopHarness(t, h));

async function failure(result: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

async function workflowAudit(rowId: string, action: string) {
  return t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.workflowId, rowId), eq(auditEvents.action, action)));
}

describe('a write the database refuses for good', () => {
  it('made in an Update task (the invoice): the row closes FAILED, the workflow fails, nothing half-written', async () => {
    const { rowId, handle } = await h.start('MUNICIPAL_LIEN_SEARCH', { priority: 'HIGH' });
    const cause = await failure(handle.result());
    expect(cause.type).toBe('DatabaseRefusedError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(
      /createInvoice: the database refused the write \(SQLSTATE 23514, test_refusal\)/,
    );

    const row = await workflowRow(t, rowId);
    expect(row.status).toBe('FAILED');
    const [failed] = await workflowAudit(rowId, 'workflow.failed');
    expect((failed?.eventData as { error?: string } | undefined)?.error).toContain(
      'the test refuses INSERT on invoices',
    );
    expect(await workflowAudit(rowId, 'workflow.completed')).toEqual([]);
    expect(await t.db.select().from(invoices).where(eq(invoices.workflowId, rowId))).toEqual([]);
    // The step's own write stands (its own transaction); nothing stays open.
    const tasks = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(tasks.every((task) => ['COMPLETED', 'CANCELLED'].includes(task.status))).toBe(true);
    const clocks = await t.db.select().from(slaTracking).where(eq(slaTracking.workflowId, rowId));
    expect(clocks.filter((c) => c.status === 'ACTIVE')).toEqual([]);
  });

  it('made as a local activity (the first attempt starting): not retried as a normal activity, the row FAILED', async () => {
    const { rowId, handle } = await h.start('MUNICIPAL_LIEN_SEARCH', { priority: 'URGENT' });
    const cause = await failure(handle.result());
    expect(cause.type).toBe('DatabaseRefusedError');
    expect(cause.message).toMatch(/startAttempt: the database refused the write/);
    expect((await workflowRow(t, rowId)).status).toBe('FAILED');

    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled).toEqual([]);
    const tasks = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, rowId));
    expect(tasks.map((task) => task.status).sort()).toEqual(Array(5).fill('CANCELLED'));
  });
});
