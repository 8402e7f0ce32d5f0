import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { is } from 'drizzle-orm';
import { PgTable as PgTableClass } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../db/migrate.js';
import * as schema from '../../db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const tables: PgTable[] = (Object.values(schema) as unknown[]).filter((v): v is PgTable =>
  is(v, PgTableClass),
);

describe('migrations on an empty database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrated: false });
  });
  afterAll(() => t.drop());

  it('apply, and a second run (even two at once) changes nothing', async () => {
    await runMigrations(t.url);
    const count = async () =>
      Number(
        (await t.pool.query<{ count: string }>('SELECT count(*) FROM drizzle.__drizzle_migrations'))
          .rows[0]!.count,
      );
    const first = await count();
    expect(first).toBeGreaterThanOrEqual(2);
    await Promise.all([runMigrations(t.url), runMigrations(t.url)]);
    expect(await count()).toBe(first);
  });

  it('create every table of the schema, with row-level security enabled', async () => {
    expect(tables.map((x) => getTableConfig(x).name).sort()).toEqual([
      'audit_events',
      'business_calendar_holidays',
      'business_calendars',
      'call_metadata',
      'clients',
      'communications',
      'cost_items',
      'counterparties',
      'documents',
      'email_metadata',
      'escalations',
      'invoices',
      'message_metadata',
      'sla_pauses',
      'sla_tracking',
      'task_executions',
      'user_profiles',
      'workflows',
    ]);
    const { rows } = await t.pool.query<{ relname: string; relrowsecurity: boolean }>(
      `SELECT c.relname, c.relrowsecurity FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    );
    const found = new Map(rows.map((r) => [r.relname, r.relrowsecurity]));
    for (const table of tables) {
      const name = getTableConfig(table).name;
      expect(found.get(name), `table ${name}`).toBe(true);
    }
  });

  it('create every column, check, foreign key and index the schema declares', async () => {
    for (const table of tables) {
      const config = getTableConfig(table);
      const columns = await t.pool.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1`,
        [config.name],
      );
      expect(columns.rows.map((r) => r.column_name).sort(), config.name).toEqual(
        config.columns.map((c) => c.name).sort(),
      );

      const constraints = await t.pool.query<{ conname: string; contype: string }>(
        `SELECT conname, contype FROM pg_constraint WHERE conrelid = $1::regclass`,
        [`public.${config.name}`],
      );
      const names = new Set(constraints.rows.map((r) => r.conname));
      for (const check of config.checks)
        expect(names, `${config.name} check`).toContain(check.name);
      expect(
        constraints.rows.filter((r) => r.contype === 'f').length,
        `${config.name} foreign keys`,
      ).toBeGreaterThanOrEqual(config.foreignKeys.length);
      for (const fk of config.foreignKeys) expect(names).toContain(fk.getName());

      const indexes = await t.pool.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`,
        [config.name],
      );
      const indexNames = new Set(indexes.rows.map((r) => r.indexname));
      for (const index of config.indexes) expect(indexNames).toContain(index.config.name);
    }
  });

  it('create the guard triggers', async () => {
    const { rows } = await t.pool.query<{ tgname: string; relname: string }>(
      `SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       WHERE NOT t.tgisinternal`,
    );
    const triggers = rows.map((r) => `${r.relname}.${r.tgname}`);
    expect(triggers).toEqual(
      expect.arrayContaining([
        'audit_events.audit_events_no_update_delete',
        'audit_events.audit_events_no_truncate',
        'task_executions.task_executions_terminal_is_final',
        'workflows.set_updated_at',
      ]),
    );
  });

  it('create the Supabase auth shim: roles, auth.users, auth.uid() from request.jwt.claims', async () => {
    const roles = await t.pool.query<{ rolname: string; rolbypassrls: boolean }>(
      `SELECT rolname, rolbypassrls FROM pg_roles
       WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY rolname`,
    );
    expect(roles.rows).toEqual([
      { rolname: 'anon', rolbypassrls: false },
      { rolname: 'authenticated', rolbypassrls: false },
      { rolname: 'service_role', rolbypassrls: true },
    ]);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      const sub = '3f0c1d7e-5a0e-4a57-9f43-8f1b8a3b2c11';
      await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify({ sub, role: 'authenticated' }),
      ]);
      const { rows } = await client.query('SELECT auth.uid() AS uid, auth.role() AS role');
      expect(rows[0]).toEqual({ uid: sub, role: 'authenticated' });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const fk = await t.pool.query(
      `SELECT 1 FROM pg_constraint WHERE conname = 'user_profiles_id_auth_users_fk'
       AND confrelid = 'auth.users'::regclass`,
    );
    expect(fk.rowCount).toBe(1);
  });
});

describe('migrations on a database that already has Supabase auth', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrated: false });
    // What Supabase already provides, with a marker showing whose function it is.
    await t.pool.query(`
      CREATE SCHEMA auth;
      CREATE TABLE auth.users (id uuid PRIMARY KEY, email text, instance_id uuid);
      CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
        AS $$ SELECT '00000000-0000-0000-0000-00000000beef'::uuid $$;
    `);
  });
  afterAll(() => t.drop());

  it('keep the existing auth objects and still apply', async () => {
    await runMigrations(t.url);
    const { rows } = await t.pool.query<{ uid: string }>('SELECT auth.uid() AS uid');
    expect(rows[0]!.uid).toBe('00000000-0000-0000-0000-00000000beef');
    const cols = await t.pool.query(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'auth' AND table_name = 'users' ORDER BY column_name`,
    );
    expect(cols.rows.map((r: { column_name: string }) => r.column_name)).toEqual([
      'email',
      'id',
      'instance_id',
    ]);
  });
});
