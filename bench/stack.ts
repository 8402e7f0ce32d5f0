// The servers every measure runs on: the project's own launchers (embedded PostgreSQL, the
// Temporal CLI dev server, the migrator), one migrated template database cloned per measure,
// the two workflow bundles, and in-process workers built with the project's bounds.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import pg from 'pg';
import { createActivities } from '../activities/index.js';
import type { N8nDeps } from '../activities/n8n.js';
import { createDb, createPool, type Database } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { clients } from '../db/schema/index.js';
import { getConfig } from '../src/config.js';
import { getFreePort } from '../src/dev/ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/dev/postgres.js';
import { startTemporalCluster } from '../src/dev/cluster.js';
import { startTemporalDevServer } from '../src/dev/temporal.js';
import { ensureTemporalServer, ensureTools } from '../src/dev/tools.js';
import { WORKFLOWS_PATH, workerLimits, type WorkerLimits } from '../src/worker.js';
import { BARE_WORKFLOWS_PATH, bareWorkerOptions } from './baselines/bare-worker.js';
import type { CpuPids } from './cpu.js';
import { timed } from './progress.js';

/** Database roles whose statements pg_stat_statements counts apart. */
export const ROLES = { worker: 'bench_worker', poller: 'bench_poller' } as const;
export type Role = keyof typeof ROLES;

const TEMPLATE = 'bench_template';

const quietLogger = new DefaultLogger('ERROR');

export interface BenchDatabase {
  name: string;
  /** As the superuser (the bench's own reads and inserts, the API). */
  url: string;
  pool: pg.Pool;
  db: Database;
  /** A URL as `role`: what that role runs is counted apart. */
  urlAs(role: Role): string;
  /** A client organisation for the rows the measure inserts. */
  orgId: string;
  /** Top-level statements `role` ran in this database so far (pg_stat_statements). */
  statements(role: Role): Promise<{ calls: number; rows: number }>;
  close(): Promise<void>;
}

export interface Stack {
  root: string;
  pg: EmbeddedPostgres;
  /** The dev server, or (`--cluster`) the production server's frontend. */
  temporal: { address: string };
  client: Client;
  nativeConnection: NativeConnection;
  projectBundle: WorkflowBundle;
  bareBundle: WorkflowBundle;
  /** WORKER_* bounds from the environment (the project's defaults when unset). */
  limits: WorkerLimits;
  /** Start-up timings (ms). */
  startup: Record<string, number>;
  /** The processes whose CPU time says where the time goes. */
  cpuPids: CpuPids;
  newDatabase(name: string): Promise<BenchDatabase>;
  projectWorker(taskQueue: string, pool: pg.Pool, n8n: N8nDeps): Promise<Worker>;
  bareWorker(taskQueue: string, n8n: N8nDeps): Promise<Worker>;
  close(): Promise<void>;
}

export async function startStack(opts: { cluster?: boolean } = {}): Promise<Stack> {
  ensureTools();
  if (opts.cluster) ensureTemporalServer();
  // Core's WARNs include "Activity not found on completion": the last dispatch of a run
  // answered after its workflow had ended (the outcome overtakes n8n's 202). Expected here.
  Runtime.install({
    logger: quietLogger,
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rexera-bench-'));
  fs.chmodSync(root, 0o755);
  const startup: Record<string, number> = {};
  const pgOptions = {
    dataDir: path.join(root, 'pg'),
    port: await getFreePort(),
    database: TEMPLATE,
  };
  let pgServer: EmbeddedPostgres;
  [pgServer, startup.postgresFirstStart] = await timed(
    'PostgreSQL first start (initdb + start)',
    () => startEmbeddedPostgres(pgOptions),
  );
  // pg_stat_statements (shipped with the embedded binaries) counts each role's statements.
  await withClient(pgServer.adminUrl, (c) =>
    c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`),
  );
  await pgServer.stop();
  [pgServer, startup.postgresRestart] = await timed('PostgreSQL restart (data kept)', () =>
    startEmbeddedPostgres(pgOptions),
  );
  // The dev server (in memory), or the production server on this PostgreSQL: each of its
  // processes counts as `temporal` in the CPU figures (its database work counts as postgres).
  const [temporal, temporalStart] = opts.cluster
    ? await timed('Temporal server start (frontend, 2 history, matching, worker)', async () => {
        const cluster = await startTemporalCluster({
          pgAdminUrl: pgServer.adminUrl,
          port: await getFreePort(),
          namespace: 'default',
          dataDir: path.join(root, 'temporal'),
        });
        const pids = cluster.services.map((s) => s.current()!.pid);
        return { address: cluster.address, stop: () => cluster.stop(), pids };
      })
    : await timed('Temporal dev server start (in-memory)', async () => {
        const dev = await startTemporalDevServer({
          port: await getFreePort(),
          namespace: 'default',
        });
        return { address: dev.address, stop: () => dev.stop(), pids: [dev.process.pid] };
      });
  startup.temporalStart = temporalStart;
  [, startup.migrationsEmpty] = await timed('migrations on an empty database', () =>
    runMigrations(pgServer.url),
  );
  [, startup.migrationsAgain] = await timed('migrations again (nothing to do)', () =>
    runMigrations(pgServer.url),
  );
  const passwords = {
    worker: randomBytes(12).toString('hex'),
    poller: randomBytes(12).toString('hex'),
  };
  await withClient(pgServer.url, async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    for (const role of Object.keys(ROLES) as Role[]) {
      // Superusers like the bench itself (so row-level security reads alike), counted apart.
      await c.query(`CREATE ROLE ${ROLES[role]} LOGIN SUPERUSER PASSWORD '${passwords[role]}'`);
    }
  });

  const [projectBundle, projectBundleMs] = await timed('workflow code bundle (project)', () =>
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }),
  );
  startup.projectBundle = projectBundleMs;
  const [bareBundle, bareBundleMs] = await timed('workflow code bundle (bare baseline)', () =>
    bundleWorkflowCode({ workflowsPath: BARE_WORKFLOWS_PATH, logger: quietLogger }),
  );
  startup.bareBundle = bareBundleMs;
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const limits = workerLimits(getConfig());

  const urlOf = (database: string, role?: Role) => {
    const url = new URL(pgServer.url);
    url.pathname = `/${database}`;
    if (role) {
      url.username = ROLES[role];
      url.password = passwords[role];
    }
    return url.toString();
  };

  return {
    root,
    pg: pgServer,
    temporal,
    client,
    nativeConnection,
    projectBundle,
    bareBundle,
    limits,
    startup,
    cpuPids: {
      bench: { pid: process.pid },
      temporal: { pid: temporal.pids[0]!, more: temporal.pids.slice(1) },
      postgres: { pid: pgServer.process.pid, tree: true },
    },
    async newDatabase(name) {
      await withClient(pgServer.adminUrl, (c) =>
        c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`),
      );
      const pool = createPool(urlOf(name), 20);
      const db = createDb(pool);
      const [org] = await db
        .insert(clients)
        .values({ name: `Bench ${name}` })
        .returning();
      return {
        name,
        url: urlOf(name),
        pool,
        db,
        orgId: org!.id,
        urlAs: (role) => urlOf(name, role),
        async statements(role) {
          const { rows } = await pool.query<{ calls: string; rows: string }>(
            `SELECT coalesce(sum(s.calls), 0) AS calls, coalesce(sum(s.rows), 0) AS rows
               FROM pg_stat_statements s
              WHERE s.userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
                AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [ROLES[role]],
          );
          return { calls: Number(rows[0]!.calls), rows: Number(rows[0]!.rows) };
        },
        close: () => pool.end(),
      };
    },
    projectWorker: (taskQueue, pool, n8n) =>
      Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: projectBundle,
        activities: createActivities({ pool, n8n }),
        ...limits,
      }),
    bareWorker: (taskQueue, n8n) =>
      Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: bareBundle,
        ...bareWorkerOptions(n8n, limits),
      }),
    async close() {
      await connection.close().catch(() => undefined);
      await nativeConnection.close().catch(() => undefined);
      await temporal.stop();
      await pgServer.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A pool as one of the counted roles (the worker's writes, the poller's reads). */
export function poolAs(database: BenchDatabase, role: Role, max = 10): pg.Pool {
  return createPool(database.urlAs(role), max);
}
