import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, createPool } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { RETRY_AFTER_SECONDS } from '../../src/api/middleware.js';
import { getFreePort } from '../../src/dev/ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/dev/postgres.js';
import { call, startTestApi, tokenFor } from '../helpers/api.js';
import { tempDataDir } from '../helpers/embedded.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

// PostgreSQL frozen (SIGSTOP), stopped and restarted under a running API: every request is
// answered within a bound, 503 with Retry-After, never a 500; nothing half-written stays; the
// API serves again once the database is back, without a restart; the live-events connection
// reconnects. This file freezes and stops its database on purpose, so it runs a cluster of
// its own (never the run's shared one).
//
// The bounds, from the API's defaults (src/config.ts): a new connection gives up after
// DB_CONNECT_TIMEOUT_MS (3 s), a query on a connection to a frozen server after
// DB_STATEMENT_TIMEOUT_MS + 1 s (6 s), every request after API_REQUEST_TIMEOUT_MS (15 s).
// So while frozen every answer must come within 6 s (+ 1.5 s of slack for this busy machine);
// while stopped (connection refused) within the 3 s connect timeout (+ slack); /health keeps
// its own 2 s.
const FROZEN_BOUND_MS = 7_500;
const STOPPED_BOUND_MS = 4_000;
const HEALTH_BOUND_MS = 2_500;

const data = tempDataDir('resilience');
const pgDir = path.join(data.dir, 'pg');
let pgPort: number;
let db: EmbeddedPostgres | undefined;
let seedPool: pg.Pool;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
let token: string;

function startDb() {
  return startEmbeddedPostgres({
    dataDir: pgDir,
    port: pgPort,
    database: 'resilience',
    ephemeral: true,
  });
}

/**
 * The postmaster's pid, checked: startProcess runs the server detached, and `setpriv` (when
 * we are root) execs postgres in place, so the managed pid must be the postmaster itself.
 */
function postmaster(): number {
  const pid = db!.process.pid;
  expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('postgres');
  expect(path.basename(fs.readlinkSync(`/proc/${pid}/exe`))).toBe('postgres');
  return pid;
}

/** The postmaster's children: backends and background workers (each in its own session). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      if (new RegExp(`^PPid:\\s+${pid}$`, 'm').test(status)) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

let stopped: number[] = [];

/**
 * `postmaster`: SIGSTOP of the postmaster only (the server accepts no new connection; the
 * backends of pooled connections still answer). `server`: the postmaster and every backend
 * (a paused VM or container): PostgreSQL backends call setsid(), so a signal to the
 * postmaster's process group would not reach them; each is stopped by pid.
 */
function freeze(what: 'postmaster' | 'server'): void {
  const pid = postmaster();
  stopped = what === 'postmaster' ? [pid] : [pid, ...childrenOf(pid)];
  for (const p of stopped) process.kill(p, 'SIGSTOP');
}
function thaw(): void {
  for (const p of stopped) {
    try {
      process.kill(p, 'SIGCONT');
    } catch {
      // Exited meanwhile.
    }
  }
  stopped = [];
}

beforeAll(async () => {
  pgPort = await getFreePort();
  db = await startDb();
  await runMigrations(db.url);
  seedPool = createPool(db.url, 2);
  world = await seedWorld(createDb(seedPool));
  await seedPool.end(); // the test's own connections must not outlive the server's restarts
  token = await tokenFor(world.people.clientA);
  api = await startTestApi({ databaseUrl: db.url });
});
afterAll(async () => {
  thaw();
  // The workflows the API started (no worker runs their task queue).
  if (db && !db.process.hasExited()) {
    const pool = createPool(db.url, 1);
    const { rows } = await pool
      // (Each started under the ID the row holds.)
      .query<{ id: string }>(
        "SELECT temporal_workflow_id AS id FROM workflows WHERE title LIKE 'resilience %' AND temporal_workflow_id IS NOT NULL",
      )
      .catch(() => ({ rows: [] as { id: string }[] }));
    await pool.end();
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection });
    for (const { id } of rows) {
      await client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await connection.close();
  }
  await api?.close();
  await db?.stop();
  data.remove();
});

/** A request with how long it took to be answered. */
async function timed(request: () => ReturnType<typeof call>) {
  const started = performance.now();
  const res = await request();
  return { ...res, ms: Math.round(performance.now() - started) };
}

/** GET /api/workflows and POST /api/workflows, raw (to see the headers). */
async function timedFetch(url: string, init: RequestInit = {}) {
  const started = performance.now();
  const res = await fetch(url, init);
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body,
    ms: Math.round(performance.now() - started),
  };
}

const list = (base = api.url) =>
  timedFetch(`${base}/api/workflows`, { headers: { authorization: `Bearer ${token}` } });
const create = (title: string, base = api.url) =>
  timedFetch(`${base}/api/workflows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ workflowType: 'PAYOFF', title }),
  });

function expectUnavailable(res: Awaited<ReturnType<typeof timedFetch>>, boundMs: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.body.error!.code).toBe('DEPENDENCY_UNAVAILABLE');
  expect(res.retryAfter).toBe(String(RETRY_AFTER_SECONDS));
  expect(res.ms).toBeLessThan(boundMs);
}

/** Rows whose title starts with `prefix` (read with a connection of its own). */
async function rowsTitled(prefix: string): Promise<{ status: string }[]> {
  const pool = createPool(db!.url, 1);
  try {
    const { rows } = await pool.query<{ status: string }>(
      'SELECT status FROM workflows WHERE title LIKE $1',
      [`${prefix}%`],
    );
    return rows;
  } finally {
    await pool.end();
  }
}

describe('PostgreSQL frozen (SIGSTOP)', () => {
  it('postmaster frozen: pooled connections still serve, a new connection gives up after 3 s: 503 with Retry-After', async () => {
    try {
      for (const res of await Promise.all([list(), list()])) expect(res.status).toBe(200);
      freeze('postmaster');
      // More at once than the pool holds idle connections: some need new ones.
      const answers = await Promise.all(Array.from({ length: 8 }, () => list()));
      console.log(
        `[resilience] postmaster frozen: ${answers.map((a) => `${a.status} in ${a.ms} ms`).join(', ')}`,
      );
      for (const res of answers) {
        if (res.status !== 200) expectUnavailable(res, FROZEN_BOUND_MS);
      }
      expect(answers.some((a) => a.status === 503)).toBe(true);
    } finally {
      thaw();
    }
    await eventually('the API serving again after SIGCONT', async () =>
      (await list()).status === 200 ? true : undefined,
    );
  }, 60_000);

  it('server frozen: list and create answer 503 with Retry-After within the bound, /health within 2 s, and it serves again after SIGCONT', async () => {
    // Pooled connections first, so that both waits are met: a query on a connection the
    // frozen server holds, and a new connection it never accepts.
    for (const res of await Promise.all([list(), list(), list()])) expect(res.status).toBe(200);

    try {
      freeze('server');
      const answers = await Promise.all([
        list(),
        list(),
        list(),
        list(),
        create('resilience frozen 1'),
        create('resilience frozen 2'),
      ]);
      const health = await timed(() => call(`${api.url}/health`));
      console.log(
        `[resilience] server frozen: list/create answered 503 in ${answers.map((a) => a.ms).join(', ')} ms; /health ${health.status} in ${health.ms} ms`,
      );
      for (const res of answers) expectUnavailable(res, FROZEN_BOUND_MS);
      expect(answers.some((a) => /PostgreSQL is unavailable/.test(a.body.error!.message))).toBe(
        true,
      );
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(HEALTH_BOUND_MS);
    } finally {
      thaw();
    }
    const back = await eventually('the API serving again after SIGCONT', async () => {
      const res = await list();
      return res.status === 200 ? res : undefined;
    });
    expect(back.status).toBe(200);
    const created = await create('resilience after freeze');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // The creates that were refused left nothing behind.
    expect(await rowsTitled('resilience frozen')).toEqual([]);
  }, 60_000);

  it('bounds a request by API_REQUEST_TIMEOUT_MS even where the database waits are long, and commits nothing after answering', async () => {
    // An API whose own database bounds are far away: only the request deadline (2 s) acts.
    const patient = await startTestApi({
      databaseUrl: db!.url,
      dbConnectTimeoutMs: 60_000,
      dbStatementTimeoutMs: 60_000,
      requestTimeoutMs: 2_000,
    });
    try {
      expect((await list(patient.url)).status).toBe(200);
      freeze('server');
      const [listed, created] = await Promise.all([
        list(patient.url),
        create('resilience deadline', patient.url),
      ]);
      console.log(
        `[resilience] request deadline 2000 ms: answered 503 in ${listed.ms} and ${created.ms} ms`,
      );
      for (const res of [listed, created]) {
        expectUnavailable(res, 3_000);
        expect(res.ms).toBeGreaterThanOrEqual(1_900);
        expect(res.body.error!.message).toMatch(/No answer within 2000 ms/);
      }
      // Thawed, the create's transaction goes on; it must roll back, not commit.
      thaw();
      expect((await list(patient.url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await rowsTitled('resilience deadline')).toEqual([]);
    } finally {
      thaw();
      await patient.close();
    }
  }, 60_000);
});

interface Sse {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a server-sent event stream in the background; `next` waits for a matching event. */
async function openEvents(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const events: Sse[] = [];
  let buffer = '';
  const reading = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      buffer += new TextDecoder().decode(chunk.value);
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as Sse['data'] });
      }
    }
  })();
  return {
    events,
    next: (what: string, match: (e: Sse) => boolean, timeoutMs = 20_000) =>
      eventually(what, () => events.find(match), timeoutMs),
    async close() {
      await reader.cancel().catch(() => undefined);
      await reading;
    },
  };
}

describe('PostgreSQL stopped, then started again on the same data', () => {
  it('answers 503 with Retry-After while it is down, recovers without a restart, and the event stream reconnects', async () => {
    const id = world.workflowIds.A;
    const stream = await openEvents(`${api.url}/api/workflows/${id}/events?access_token=${token}`);
    try {
      await stream.next('ready', (e) => e.event === 'ready');

      await db!.stop();
      const answers = await Promise.all([
        list(),
        list(),
        create('resilience down 1'),
        create('resilience down 2'),
      ]);
      const health = await timed(() => call(`${api.url}/health`));
      const metrics = await fetch(`${api.url}/metrics`);
      console.log(
        `[resilience] stopped: list/create answered 503 in ${answers.map((a) => a.ms).join(', ')} ms; /health ${health.status} in ${health.ms} ms`,
      );
      for (const res of answers) expectUnavailable(res, STOPPED_BOUND_MS);
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(HEALTH_BOUND_MS);
      // The scrape still works (process metrics), without the database's gauge.
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).not.toMatch(/rexera_open_escalations\{/);
      // Down for a while: the event listener keeps failing to reconnect, the process lives on.
      await new Promise((r) => setTimeout(r, 3_000));
      expectUnavailable(await list(), STOPPED_BOUND_MS);

      db = await startDb();
      const started = performance.now();
      await eventually('the API serving again after the restart', async () => {
        const res = await list();
        return res.status === 200 ? res : undefined;
      });
      console.log(
        `[resilience] restarted: first 200 ${Math.round(performance.now() - started)} ms after the server accepted connections`,
      );
      const created = await create('resilience after restart');
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(await rowsTitled('resilience down')).toEqual([]);

      // The stream is told that it may have missed changes, then carries new ones; a
      // malformed notification on the channel (anyone may NOTIFY) is ignored, not a crash.
      const resync = await stream.next('resync', (e) => e.event === 'resync');
      expect(resync.data).toMatchObject({ workflowId: id });
      const pool = createPool(db.url, 1);
      try {
        await pool.query(`NOTIFY workflow_events, 'not json'`);
        await pool.query(`SELECT pg_notify('workflow_events', '{"workflowId":"nope"}')`);
        await pool.query('UPDATE workflows SET title = title WHERE id = $1', [id]);
      } finally {
        await pool.end();
      }
      const change = await stream.next(
        'the change after the restart',
        (e) => e.event === 'change' && e.data.table === 'workflows',
      );
      expect(change.data).toMatchObject({ workflowId: id, op: 'UPDATE' });
    } finally {
      await stream.close();
    }
  }, 90_000);
});
