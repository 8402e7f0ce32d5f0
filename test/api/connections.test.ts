import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_NAMES, createPool, isDatabaseUnavailable } from '../../db/client.js';
import { call, startTestApi, tokenFor } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

let t: TestDatabase;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;

beforeAll(async () => {
  t = await createTestDatabase();
  api = await startTestApi({ databaseUrl: t.url });
  world = await seedWorld(t.db);
});
afterAll(async () => {
  await api?.close();
  await t?.drop();
});

/** What `query` was rejected with (undefined when it resolved). */
const rejectionOf = (query: Promise<unknown>): Promise<unknown> =>
  query.then(
    () => undefined,
    (e: unknown) => e,
  );

/** application_name of every connection to this file's database, sorted, with repeats. */
async function applicationNames(): Promise<string[]> {
  const { rows } = await t.pool.query<{ name: string }>(
    'SELECT application_name AS name FROM pg_stat_activity WHERE datname = $1 ORDER BY 1',
    [t.name],
  );
  return rows.map((r) => r.name);
}

describe('application_name', () => {
  it('the API’s pool shows as rexera-api and its LISTEN connection as rexera-api-events in pg_stat_activity; a pool by default as rexera-worker', async () => {
    const res = await call(`${api.url}/api/workflows`, {
      token: await tokenFor(world.people.clientA),
    });
    expect(res.status).toBe(200);
    const names = await eventually('the API’s connections in pg_stat_activity', async () => {
      const now = await applicationNames();
      return now.includes(APPLICATION_NAMES.api) && now.includes(APPLICATION_NAMES.apiEvents)
        ? now
        : undefined;
    });
    expect(names).toContain('rexera-api');
    expect(names).toContain('rexera-api-events');
    // A pool made without a name (as src/worker.ts makes its own) is the worker's.
    const unnamed = createPool(t.url, 1);
    try {
      const { rows } = await unnamed.query<{ name: string }>(
        'SELECT application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()',
      );
      expect(rows[0]!.name).toBe('rexera-worker');
    } finally {
      await unnamed.end();
    }
  });

  it('createPool takes a name (the migrator, a benchmark, ...)', async () => {
    const pool = createPool(t.url, 1, { applicationName: APPLICATION_NAMES.migrate });
    try {
      const { rows } = await pool.query<{ name: string }>(
        "SELECT current_setting('application_name') AS name",
      );
      expect(rows[0]!.name).toBe('rexera-migrate');
    } finally {
      await pool.end();
    }
  });
});

describe('bounded waits on PostgreSQL', () => {
  it('statement_timeout ends a slow statement, and the error counts as "database unavailable" (503)', async () => {
    const pool = createPool(t.url, 1, { statementTimeoutMs: 300 });
    try {
      const started = performance.now();
      const err = await rejectionOf(pool.query('SELECT pg_sleep(5)'));
      const took = performance.now() - started;
      expect((err as { code?: string }).code).toBe('57014');
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect(took).toBeLessThan(2_000);
      // The connection is usable again.
      expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    } finally {
      await pool.end();
    }
  });

  it('idle_in_transaction_session_timeout ends a transaction left open', async () => {
    const pool = createPool(t.url, 1, { idleInTransactionTimeoutMs: 300 });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await new Promise((r) => setTimeout(r, 1_000));
      const err = await rejectionOf(client.query('SELECT 1'));
      expect(err).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      client.release(true);
      await pool.end();
    }
  });

  it('a checked-out client whose server session dies between two queries does not crash the process; the next query says so', async () => {
    const pool = createPool(t.url, 2);
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Killed from elsewhere while this client holds it, no query of its own under way (as
      // when PostgreSQL crashes during a transaction): pg emits 'error' on the client.
      const pid = rows[0]!.pid;
      await t.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await eventually('the session gone', async () => {
        const left = await t.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        return left.rowCount === 0;
      });
      // Its last words (FATAL 57P01) reach the client while it has no query to hand them to.
      await new Promise((r) => setTimeout(r, 200));
      const err = await rejectionOf(client.query('SELECT 1'));
      expect(err).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      client.release(true);
    }
    // The pool serves on with a fresh connection.
    expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    await pool.end();
  });

  it('a connection that cannot be made is "database unavailable" too, within connectionTimeoutMs', async () => {
    // Nothing listens on port 9 (discard): ECONNREFUSED at once.
    const pool = createPool('postgres://x:y@127.0.0.1:9/none', 1, { connectionTimeoutMs: 500 });
    try {
      const err = await rejectionOf(pool.query('SELECT 1'));
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      await pool.end();
    }
    // Not every error is: a bad query is the caller's (or our) fault, a 4xx or a 500.
    const bad = await rejectionOf(t.pool.query('SELECT * FROM no_such_table'));
    expect(isDatabaseUnavailable(bad)).toBe(false);
  });
});
