// `npm run bench`: start-up and round-trip numbers of the real stack, printed, never asserted.
// Starts its own PostgreSQL and Temporal dev server on free ports in a temp folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
} from '@temporalio/worker';
import type pg from 'pg';
import type { N8nDeps } from '../activities/n8n.js';
import { createActivities } from '../activities/index.js';
import { createPool } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { getFreePort } from '../src/infra/ports.js';
import { startEmbeddedPostgres } from '../src/infra/postgres.js';
import { startTemporalDevServer } from '../src/infra/temporal.js';
import { ensureTools } from '../src/infra/tools.js';
import { N8N_BIN, startN8n } from '../src/infra/n8n.js';
import { createAgentSimulator } from '../src/agents/simulator.js';
import { WORKFLOWS_PATH } from '../src/worker.js';
import { smokeWorkflow } from '../workflows/index.js';
import { clients, workflows } from '../db/schema/index.js';
import { createDb } from '../db/client.js';
import { mintToken } from '../src/api/auth/jwt.js';
import { startApi } from '../src/api/server.js';
import { startBusinessWorkflow } from '../src/workflows/service.js';
import { type businessWorkflow } from '../workflows/business/workflow.js';
import { completeAll, startN8nStandIn } from '../test/helpers/n8n-stand-in.js';

const ROUND_TRIPS = 100;
/** PAYOFF runs for the step-transition numbers (5 transitions each). */
const PAYOFF_RUNS = 20;
/** The smoke workflow dispatches nothing. */
const UNUSED_N8N = { webhookUrl: 'http://127.0.0.1:9/', callbackUrl: 'http://127.0.0.1:9/' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  console.log(`${label.padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`);
  return result;
}

async function main() {
  ensureTools();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rexera-bench-'));
  fs.chmodSync(root, 0o755);
  console.log('progress: starting PostgreSQL and Temporal, then timing round trips ...\n');
  const pg = await timed('PostgreSQL first start (initdb + start)', async () =>
    startEmbeddedPostgres({
      dataDir: path.join(root, 'pg'),
      port: await getFreePort(),
      database: 'bench',
    }),
  );
  const temporal = await timed('Temporal dev server start (in-memory)', async () =>
    startTemporalDevServer({ port: await getFreePort(), namespace: 'default' }),
  );
  const pool = createPool(pg.url);
  try {
    await timed('migrations on an empty database', () => runMigrations(pg.url));
    await timed('migrations again (nothing to do)', () => runMigrations(pg.url));

    const taskQueue = `bench-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    // Bundled once; every worker of the bench runs the same code.
    const workflowBundle = await timed('workflow code bundle', () =>
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    );
    const newWorker = (queue: string, db: pg.Pool, n8n: N8nDeps) =>
      Worker.create({
        connection: nativeConnection,
        taskQueue: queue,
        workflowBundle,
        activities: createActivities({ pool: db, n8n }),
      });
    const worker = await timed('worker create', () => newWorker(taskQueue, pool, UNUSED_N8N));
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const samples: number[] = [];
    await worker.runUntil(async () => {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const t0 = performance.now();
        await client.workflow.execute(smokeWorkflow, {
          taskQueue,
          workflowId: `bench-${randomUUID()}`,
          args: [{}],
        });
        samples.push(performance.now() - t0);
      }
    });
    samples.sort((a, b) => a - b);
    console.log(
      `${`workflow start -> result, n=${ROUND_TRIPS}`.padEnd(44)} p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
    );

    // PAYOFF through the real worker and activities, with an instant n8n stand-in.
    const db = createDb(pool);
    let statements = 0;
    const countingPool = createPool(pg.url);
    countingPool.on('connect', (c) => {
      const query = c.query.bind(c) as (...a: unknown[]) => unknown;
      (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
        statements++;
        return query(...a);
      };
    });
    const lastOutcomeAt = new Map<string, number>();
    const transitions: number[] = [];
    const standIn = await startN8nStandIn(client, async (ctx) => {
      const now = performance.now();
      const previous = lastOutcomeAt.get(ctx.dispatch.workflowId);
      if (previous !== undefined) transitions.push(now - previous);
      if (ctx.dispatch.taskType === 'send_payoff_request') {
        await ctx.sendDocument({
          kind: 'PAYOFF_STATEMENT',
          filename: 's.pdf',
          storageUrl: 's3://b/s.pdf',
        });
      }
      lastOutcomeAt.set(ctx.dispatch.workflowId, performance.now());
      return completeAll(ctx);
    });
    const payoffQueue = `bench-payoff-${randomUUID()}`;
    const standInN8n = {
      webhookUrl: standIn.url,
      callbackUrl: 'http://127.0.0.1:3000/api/task-outcomes',
    };
    const payoffWorker = await newWorker(payoffQueue, countingPool, standInN8n);
    const [org] = await db.insert(clients).values({ name: 'Bench client' }).returning();
    const runTimes: number[] = [];
    await payoffWorker.runUntil(async () => {
      for (let i = 0; i < PAYOFF_RUNS; i++) {
        const [row] = await db
          .insert(workflows)
          .values({
            workflowType: 'PAYOFF',
            clientId: org!.id,
            title: `Bench ${i}`,
            metadata: { loanNumber: `LN-${i}` },
          })
          .returning();
        const t0 = performance.now();
        const { workflowId } = await startBusinessWorkflow(
          { db, client, taskQueue: payoffQueue },
          row!.id,
        );
        await client.workflow.getHandle<typeof businessWorkflow>(workflowId).result();
        runTimes.push(performance.now() - t0);
      }
    });
    transitions.sort((a, b) => a - b);
    runTimes.sort((a, b) => a - b);
    console.log(
      `${`PAYOFF outcome Update -> next dispatch, n=${transitions.length}`.padEnd(44)} p50 ${percentile(transitions, 50).toFixed(1)} ms, p95 ${percentile(transitions, 95).toFixed(1)} ms`,
    );
    console.log(
      `${`PAYOFF whole run (6 steps), n=${PAYOFF_RUNS}`.padEnd(44)} p50 ${percentile(runTimes, 50).toFixed(0)} ms, p95 ${percentile(runTimes, 95).toFixed(0)} ms`,
    );
    console.log(
      `${'SQL statements per PAYOFF run / per step'.padEnd(44)} ${(statements / PAYOFF_RUNS).toFixed(1)} / ${(statements / PAYOFF_RUNS / 6).toFixed(1)} (BEGIN and COMMIT included)`,
    );
    // Live progress: from a change's transaction in Postgres to the server-sent event.
    const api = await startApi({
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      namespace: 'default',
      taskQueue: payoffQueue,
      port: await getFreePort(),
      host: '127.0.0.1',
      jwtSecret: 'bench-'.padEnd(40, 'x'),
      n8nHmacSecret: 'bench-'.padEnd(40, 'y'),
      hmacToleranceSeconds: 300,
      updateTimeoutMs: 5000,
    });
    const hil = randomUUID();
    await pool.query(`INSERT INTO auth.users (id) VALUES ($1)`, [hil]);
    await pool.query(
      `INSERT INTO user_profiles (id, email, user_type, role) VALUES ($1, 'bench@rexera.example', 'HIL', 'HIL_STAFF')`,
      [hil],
    );
    const token = await mintToken('bench-'.padEnd(40, 'x'), { sub: hil });
    const pushes: number[] = [];
    const sseWorker = await newWorker(payoffQueue, countingPool, standInN8n);
    await sseWorker.runUntil(async () => {
      for (let i = 0; i < 5; i++) {
        const [row] = await db
          .insert(workflows)
          .values({ workflowType: 'PAYOFF', clientId: org!.id, title: `SSE ${i}` })
          .returning();
        const address = api.server.address() as { port: number };
        const res = await fetch(
          `http://127.0.0.1:${address.port}/api/workflows/${row!.id}/events?access_token=${token}`,
        );
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await startBusinessWorkflow({ db, client, taskQueue: payoffQueue }, row!.id);
        let buffer = '';
        for (let done = false; !done;) {
          const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
          if (chunk.done) break;
          buffer += new TextDecoder().decode(chunk.value);
          let split: number;
          while ((split = buffer.indexOf('\n\n')) >= 0) {
            const data = /^data: (.*)$/m.exec(buffer.slice(0, split))?.[1];
            buffer = buffer.slice(split + 2);
            if (!data) continue;
            const event = JSON.parse(data) as { at?: string; table?: string; status?: string };
            if (event.at) pushes.push(Date.now() - Date.parse(event.at));
            if (event.table === 'workflows' && event.status === 'COMPLETED') done = true;
          }
        }
        await reader.cancel();
      }
    });
    await api.close();
    await standIn.close();
    pushes.sort((a, b) => a - b);
    console.log(
      `${`change committed -> SSE received, n=${pushes.length}`.padEnd(44)} p50 ${percentile(pushes, 50).toFixed(0)} ms, p95 ${percentile(pushes, 95).toFixed(0)} ms, max ${pushes.at(-1)!.toFixed(0)} ms`,
    );
    await countingPool.end();

    // Through real n8n (when installed): an agent step from RUNNING to COMPLETED in the
    // database, with agents that answer at once.
    if (fs.existsSync(N8N_BIN)) {
      const sim = createAgentSimulator({ delayMs: 0 });
      const simPort = await getFreePort();
      await sim.listen(simPort);
      const hmacSecret = 'bench-'.padEnd(40, 'y');
      const n8nApiPort = await getFreePort();
      const n8n = await timed('n8n start (import, activate, webhook live)', async () =>
        startN8n({
          port: await getFreePort(),
          userFolder: path.join(root, 'n8n'),
          encryptionKey: 'bench-'.padEnd(40, 'z'),
          agentUrl: `http://127.0.0.1:${simPort}`,
          hmacSecret,
        }),
      );
      const n8nApi = await startApi({
        databaseUrl: pg.url,
        temporalAddress: temporal.address,
        namespace: 'default',
        taskQueue: payoffQueue,
        port: n8nApiPort,
        host: '127.0.0.1',
        jwtSecret: 'bench-'.padEnd(40, 'x'),
        n8nHmacSecret: hmacSecret,
        hmacToleranceSeconds: 300,
        updateTimeoutMs: 5000,
      });
      const n8nWorker = await newWorker(payoffQueue, pool, {
        webhookUrl: n8n.webhookUrl,
        callbackUrl: `http://127.0.0.1:${n8nApiPort}/api/task-outcomes`,
      });
      const ids: string[] = [];
      await n8nWorker.runUntil(async () => {
        for (let i = 0; i < 5; i++) {
          const [row] = await db
            .insert(workflows)
            .values({ workflowType: 'MUNICIPAL_LIEN_SEARCH', clientId: org!.id, title: `n8n ${i}` })
            .returning();
          ids.push(row!.id);
          const { workflowId } = await startBusinessWorkflow(
            { db, client, taskQueue: payoffQueue },
            row!.id,
          );
          await client.workflow.getHandle<typeof businessWorkflow>(workflowId).result();
        }
      });
      const { rows } = await pool.query<{ ms: number }>(
        `SELECT extract(epoch FROM completed_at - started_at) * 1000 AS ms FROM task_executions
         WHERE workflow_id = ANY($1) AND executor_type = 'AI_AGENT' ORDER BY 1`,
        [ids],
      );
      const steps = rows.map((r) => Number(r.ms));
      console.log(
        `${`agent step through real n8n, n=${steps.length}`.padEnd(44)} p50 ${percentile(steps, 50).toFixed(0)} ms, p95 ${percentile(steps, 95).toFixed(0)} ms`,
      );
      await n8nApi.close();
      await n8n.stop();
      await sim.close();
    } else {
      console.log('(n8n not installed: `node scripts/install-n8n.mjs` adds the n8n numbers)');
    }
    await connection.close();
    await nativeConnection.close();
  } finally {
    await pool.end();
    await temporal.stop();
    await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('[bench]', err);
  process.exit(1);
});
