import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  costItems,
  invoices,
  slaTracking,
  taskExecutions,
  userProfiles,
} from '../../db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertTask, insertWorkflow } from '../helpers/fixtures.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** The SQLSTATE of a rejected query (drizzle wraps the driver's error in `cause`). */
async function sqlState(query: PromiseLike<unknown>): Promise<string | undefined> {
  try {
    await query;
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    return e.code ?? e.cause?.code;
  }
  return undefined;
}

describe('audit_events is append-only', () => {
  it('accepts INSERT and refuses UPDATE, DELETE and TRUNCATE (RX001)', async () => {
    const { workflow } = await insertWorkflow(t.db);
    const [event] = await t.db
      .insert(auditEvents)
      .values({
        workflowId: workflow.id,
        actorType: 'SYSTEM',
        actorId: 'test',
        action: 'workflow.created',
        resourceType: 'workflow',
        resourceId: workflow.id,
      })
      .returning();

    expect(
      await sqlState(
        t.db.update(auditEvents).set({ action: 'tampered' }).where(eq(auditEvents.id, event!.id)),
      ),
    ).toBe('RX001');
    expect(await sqlState(t.db.delete(auditEvents).where(eq(auditEvents.id, event!.id)))).toBe(
      'RX001',
    );
    expect(await sqlState(t.pool.query('TRUNCATE audit_events CASCADE'))).toBe('RX001');

    const [still] = await t.db.select().from(auditEvents).where(eq(auditEvents.id, event!.id));
    expect(still?.action).toBe('workflow.created');
  });
});

describe('task_executions', () => {
  it('moves freely until terminal, then refuses UPDATE and DELETE (RX002)', async () => {
    const { workflow } = await insertWorkflow(t.db);
    const task = await insertTask(t.db, workflow.id);
    const byId = eq(taskExecutions.id, task.id);

    await t.db.update(taskExecutions).set({ status: 'RUNNING', startedAt: new Date() }).where(byId);
    await t.db
      .update(taskExecutions)
      .set({ status: 'COMPLETED', completedAt: new Date(), outputData: { lender: 'Acme Bank' } })
      .where(byId);

    expect(await sqlState(t.db.update(taskExecutions).set({ status: 'RUNNING' }).where(byId))).toBe(
      'RX002',
    );
    expect(
      await sqlState(
        t.db
          .update(taskExecutions)
          .set({ outputData: { lender: 'x' } })
          .where(byId),
      ),
    ).toBe('RX002');
    expect(await sqlState(t.db.delete(taskExecutions).where(byId))).toBe('RX002');

    const [row] = await t.db.select().from(taskExecutions).where(byId);
    expect(row).toMatchObject({ status: 'COMPLETED', outputData: { lender: 'Acme Bank' } });
  });

  it.each(['FAILED', 'SKIPPED', 'CANCELLED'] as const)(
    'treats %s as terminal too',
    async (status) => {
      const { workflow } = await insertWorkflow(t.db);
      const task = await insertTask(t.db, workflow.id, { status, completedAt: new Date() });
      expect(
        await sqlState(
          t.db
            .update(taskExecutions)
            .set({ status: 'PENDING', completedAt: null })
            .where(eq(taskExecutions.id, task.id)),
        ),
      ).toBe('RX002');
    },
  );

  it('keeps one row per workflow, step and attempt; a retry is a new attempt row', async () => {
    const { workflow } = await insertWorkflow(t.db);
    await insertTask(t.db, workflow.id, { status: 'FAILED', completedAt: new Date() });
    expect(await sqlState(insertTask(t.db, workflow.id))).toBe('23505');
    const retry = await insertTask(t.db, workflow.id, { attempt: 2 });
    expect(retry.attempt).toBe(2);
  });

  it('refuses an agent step without an agent, and a terminal status without completed_at', async () => {
    const { workflow } = await insertWorkflow(t.db);
    expect(await sqlState(insertTask(t.db, workflow.id, { agentName: null }))).toBe('23514');
    expect(await sqlState(insertTask(t.db, workflow.id, { status: 'COMPLETED' }))).toBe('23514');
  });
});

describe('sla_tracking', () => {
  it('accepts the levels in order and refuses a level reached out of order or mislabelled', async () => {
    const { workflow } = await insertWorkflow(t.db);
    const started = new Date('2026-01-01T00:00:00Z');
    const at = (h: number) => new Date(started.getTime() + h * 3600_000);
    const base = {
      workflowId: workflow.id,
      slaSeconds: 24 * 3600,
      startedAt: started,
      dueAt: at(24),
    };

    const ok = await insertTask(t.db, workflow.id, { stepIndex: 1 });
    await t.db.insert(slaTracking).values({
      ...base,
      taskExecutionId: ok.id,
      alertLevel: 'ORANGE',
      yellowAt: at(14.4),
      orangeAt: at(19.2),
    });

    const skipped = await insertTask(t.db, workflow.id, { stepIndex: 2 });
    // RED without ORANGE before it.
    expect(
      await sqlState(
        t.db.insert(slaTracking).values({
          ...base,
          taskExecutionId: skipped.id,
          alertLevel: 'RED',
          yellowAt: at(15),
          redAt: at(23),
        }),
      ),
    ).toBe('23514');
    // Timestamps say YELLOW, the level says GREEN.
    expect(
      await sqlState(
        t.db
          .insert(slaTracking)
          .values({ ...base, taskExecutionId: skipped.id, alertLevel: 'GREEN', yellowAt: at(15) }),
      ),
    ).toBe('23514');
    // One clock per task execution.
    expect(
      await sqlState(t.db.insert(slaTracking).values({ ...base, taskExecutionId: ok.id })),
    ).toBe('23505');
  });
});

describe('other business rules', () => {
  it('a client user must belong to an organisation, linked to auth.users', async () => {
    const { client } = await insertWorkflow(t.db);
    const { rows } = await t.pool.query<{ id: string }>(
      `INSERT INTO auth.users (email) VALUES ('a@example.com') RETURNING id`,
    );
    const id = rows[0]!.id;
    expect(
      await sqlState(
        t.db
          .insert(userProfiles)
          .values({ id, userType: 'CLIENT', role: 'CLIENT_USER', email: 'a@example.com' }),
      ),
    ).toBe('23514');
    await t.db.insert(userProfiles).values({
      id,
      userType: 'CLIENT',
      role: 'CLIENT_USER',
      email: 'a@example.com',
      clientId: client.id,
    });
    // No profile without its auth user.
    expect(
      await sqlState(
        t.db.insert(userProfiles).values({
          id: '5d7b0b8e-0000-4000-8000-000000000001',
          userType: 'HIL',
          role: 'HIL_STAFF',
          email: 'hil@example.com',
        }),
      ),
    ).toBe('23503');
  });

  it('an invoice adds up, its lines are quantity times price, one live invoice per workflow', async () => {
    const { client, workflow } = await insertWorkflow(t.db);
    const invoice = {
      workflowId: workflow.id,
      clientId: client.id,
      subtotal: '100.00',
      tax: '8.00',
    };
    expect(
      await sqlState(
        t.db.insert(invoices).values({ ...invoice, invoiceNumber: 'INV-1', total: '100.00' }),
      ),
    ).toBe('23514');
    const [inv] = await t.db
      .insert(invoices)
      .values({ ...invoice, invoiceNumber: 'INV-2', total: '108.00' })
      .returning();
    expect(
      await sqlState(
        t.db.insert(invoices).values({ ...invoice, invoiceNumber: 'INV-3', total: '108.00' }),
      ),
    ).toBe('23505');
    const line = {
      invoiceId: inv!.id,
      workflowId: workflow.id,
      description: 'Payoff fee',
      category: 'SERVICE_FEE',
    };
    expect(
      await sqlState(
        t.db
          .insert(costItems)
          .values({ ...line, quantity: '2', unitPrice: '50.00', amount: '90.00' }),
      ),
    ).toBe('23514');
    await t.db
      .insert(costItems)
      .values({ ...line, quantity: '2', unitPrice: '50.00', amount: '100.00' });
  });

  it('updated_at is set by the database on every update', async () => {
    const { workflow } = await insertWorkflow(t.db);
    const { rows } = await t.pool.query<{ updated_at: Date; now: Date }>(
      `UPDATE workflows SET title = 'renamed', updated_at = '2000-01-01' WHERE id = $1
       RETURNING updated_at, now() AS now`,
      [workflow.id],
    );
    expect(rows[0]!.updated_at.getTime()).toBe(rows[0]!.now.getTime());
  });
});
