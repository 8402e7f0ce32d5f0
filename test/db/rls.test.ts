import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../db/client.js';
import { auditEvents, taskExecutions, workflows } from '../../db/schema/index.js';
import { asCaller, type JwtClaims } from '../../db/session.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { claimsOf, seedWorld } from '../helpers/world.js';

const TABLES = [
  'clients',
  'user_profiles',
  'counterparties',
  'workflows',
  'task_executions',
  'sla_tracking',
  'escalations',
  'documents',
  'communications',
  'email_metadata',
  'call_metadata',
  'message_metadata',
  'invoices',
  'cost_items',
  'audit_events',
] as const;

let t: TestDatabase;
let world: Awaited<ReturnType<typeof seedWorld>>;
beforeAll(async () => {
  t = await createTestDatabase();
  world = await seedWorld(t.db);
});
afterAll(() => t.drop());

/** Rows of each business table the caller can see. */
async function visible(claims: JwtClaims | undefined) {
  return asCaller(t.pool, claims, async (db) => {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const { rows } = await db.execute<{ n: number }>(
        sql.raw(`SELECT count(*)::int AS n FROM ${table}`),
      );
      out[table] = rows[0]!.n;
    }
    return out;
  });
}

/** The SQLSTATE of a failed write, or the number of rows it changed. */
async function attempt(claims: JwtClaims | undefined, statement: string): Promise<string | number> {
  try {
    return await asCaller(
      t.pool,
      claims,
      async (db) => (await db.execute(sql.raw(statement))).rowCount ?? 0,
    );
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    return e.code ?? e.cause?.code ?? String(err);
  }
}

const all = {
  clients: 2,
  user_profiles: 4,
  counterparties: 1,
  workflows: 2,
  task_executions: 2,
  sla_tracking: 2,
  escalations: 2,
  documents: 2,
  communications: 6,
  email_metadata: 2,
  call_metadata: 2,
  message_metadata: 2,
  invoices: 2,
  cost_items: 2,
  audit_events: 2,
};
const oneOrg = {
  clients: 1,
  user_profiles: 1,
  counterparties: 1,
  workflows: 1,
  task_executions: 1,
  sla_tracking: 1,
  escalations: 0,
  documents: 1,
  communications: 2,
  email_metadata: 1,
  call_metadata: 1,
  message_metadata: 0,
  invoices: 1,
  cost_items: 1,
  audit_events: 1,
};
const nothing = Object.fromEntries(TABLES.map((x) => [x, 0]));

describe('row-level security: who reads what', () => {
  it.each([
    ['anon (no token)', undefined, nothing],
    ['a client of organisation A', 'clientA', oneOrg],
    ['a client of organisation B', 'clientB', oneOrg],
    ['HIL staff', 'hil', all],
    ['a manager', 'manager', all],
  ] as const)('%s', async (_name, who, expected) => {
    const claims = who ? claimsOf(world.people[who]) : undefined;
    expect(await visible(claims)).toEqual(expected);
  });

  it('the service role sees everything', async () => {
    expect(await visible({ role: 'service_role' })).toEqual(all);
  });

  it('a client sees its own organisation, never the other one', async () => {
    const ids = await asCaller(t.pool, claimsOf(world.people.clientA), (db) =>
      db.select({ id: workflows.id }).from(workflows),
    );
    expect(ids.map((r) => r.id)).toEqual([world.workflowIds.A]);
    const theirs = await asCaller(t.pool, claimsOf(world.people.clientA), (db) =>
      db.select().from(taskExecutions).where(eq(taskExecutions.workflowId, world.workflowIds.B)),
    );
    expect(theirs).toEqual([]);
  });

  it('a valid token for a user without a profile sees only the shared directory', async () => {
    expect(await visible(claimsOf(randomUUID()))).toEqual({ ...nothing, counterparties: 1 });
  });
});

describe('row-level security: who writes what', () => {
  const insertWorkflow = (clientId: string) =>
    `INSERT INTO workflows (workflow_type, client_id, title) VALUES ('PAYOFF', '${clientId}', 'new')`;

  it('a client creates workflows for its own organisation only', async () => {
    expect(await attempt(claimsOf(world.people.clientA), insertWorkflow(world.orgA.id))).toBe(1);
    expect(await attempt(claimsOf(world.people.clientA), insertWorkflow(world.orgB.id))).toBe(
      '42501',
    );
    expect(await attempt(undefined, insertWorkflow(world.orgA.id))).toBe('42501');
  });

  it('nobody changes task state, escalations or workflows through the API roles', async () => {
    for (const who of ['clientA', 'hil', 'manager'] as const) {
      const claims = claimsOf(world.people[who]);
      expect(
        await attempt(
          claims,
          `UPDATE task_executions SET status = 'COMPLETED', completed_at = now()`,
        ),
      ).toBe(0);
      expect(await attempt(claims, `UPDATE escalations SET status = 'RESOLVED'`)).toBe(0);
      expect(
        await attempt(claims, `UPDATE workflows SET status = 'CANCELLED', completed_at = now()`),
      ).toBe(0);
      expect(await attempt(claims, `DELETE FROM documents`)).toBe(0);
    }
    const [row] = await t.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, world.workflowIds.A));
    expect(row!.status).toBe('PENDING');
  });

  it('nobody changes audit_events: RLS hides the rows, and the trigger stops even the service role', async () => {
    expect(await attempt(claimsOf(world.people.hil), `DELETE FROM audit_events`)).toBe(0);
    expect(
      await attempt(
        claimsOf(world.people.hil),
        `INSERT INTO audit_events (actor_type, actor_id, action, resource_type) VALUES ('HUMAN', 'x', 'forged', 'workflow')`,
      ),
    ).toBe('42501');
    expect(
      await attempt({ role: 'service_role' }, `UPDATE audit_events SET action = 'rewritten'`),
    ).toBe('RX001');
    expect(
      (await t.db.select().from(auditEvents)).every((e) => e.action === 'workflow.created'),
    ).toBe(true);
  });
});

describe('pooled connections', () => {
  it('carry no claims or role from one request into the next', async () => {
    const single = createPool(t.url, 1);
    try {
      const mine = await asCaller(
        single,
        claimsOf(world.people.clientA),
        async (db) => (await db.select().from(workflows)).length,
      );
      expect(mine).toBeGreaterThanOrEqual(1);
      // Same (only) connection, no caller: the anon role and no claims.
      expect(
        await asCaller(single, undefined, async (db) => (await db.select().from(workflows)).length),
      ).toBe(0);
      const { rows } = await single.query<{ claims: string | null; who: string }>(
        `SELECT current_setting('request.jwt.claims', true) AS claims, current_user AS who`,
      );
      expect(rows[0]!.claims ?? '').toBe('');
      expect(rows[0]!.who).toBe('postgres');
      // A failed request rolls back and leaves the connection clean too.
      await expect(
        asCaller(single, claimsOf(world.people.clientA), (db) => db.execute(sql`SELECT 1/0`)),
      ).rejects.toThrow();
      const after = await single.query<{ who: string }>('SELECT current_user AS who');
      expect(after.rows[0]!.who).toBe('postgres');
    } finally {
      await single.end();
    }
  });

  it('plain SQL, as PostgREST would run it, gives the same answer', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify(claimsOf(world.people.clientB)),
      ]);
      await client.query('SET LOCAL ROLE authenticated');
      const { rows } = await client.query<{ id: string }>('SELECT id FROM workflows');
      await client.query('ROLLBACK');
      expect(rows.map((r) => r.id)).toEqual([world.workflowIds.B]);
    } finally {
      client.release();
    }
  });
});
