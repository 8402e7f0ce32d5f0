import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createDb, type Database } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { auditEvents, clients, taskExecutions, workflows } from '../../db/schema/index.js';
import { getFreePort } from '../../src/dev/ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/dev/postgres.js';
import { startTemporalDevServer, type DevServer } from '../../src/dev/temporal.js';
import { ensureTools } from '../../src/dev/tools.js';
import { startBusinessWorkflow } from '../../src/clients/business-workflows.js';
import { taskOutcomeUpdate } from '../../workflows/business/messages.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { tempDataDir } from '../helpers/embedded.js';
import { completeAll, realisticOutput, startN8nStandIn } from '../helpers/n8n-stand-in.js';
import { bundleWorkflows } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';
import { progress } from './stack.js';

// An Update's acceptance reaches the history only when its workflow task completes. Temporal
// is killed while that task is still running its database writes: the Update is lost with
// the task, the writes are not. The workflow, run again without the outcome, must not leave
// rows of a path it never took (here: the outcome deadline fires, and the step is retried).

const data = tempDataDir('update-lost');
let postgres: EmbeddedPostgres;
let temporal: DevServer;
let temporalPort: number;
let pool: pg.Pool;
let db: Database;

beforeAll(async () => {
  ensureTools();
  postgres = await startEmbeddedPostgres({
    dataDir: path.join(data.dir, 'postgres'),
    port: await getFreePort(),
    database: 'rexera',
    ephemeral: true,
  });
  await runMigrations(postgres.url);
  temporalPort = await getFreePort();
  temporal = await startTemporalDevServer({
    port: temporalPort,
    dbFile: path.join(data.dir, 'temporal.db'),
    namespace: 'default',
  });
  pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
  pool.on('error', () => undefined);
  db = createDb(pool);
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await temporal?.stop();
  await postgres?.stop();
  data.remove();
});

describe('an Update lost with the workflow task that accepted it', () => {
  it('leaves no rows of a path the workflow did not take', { timeout: 240_000 }, async () => {
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    // research_municipality waits for the outcome the test sends; the rest completes at once.
    const standIn = await startN8nStandIn(client, (ctx) =>
      ctx.dispatch.taskType === 'research_municipality' && ctx.count === 1
        ? { status: 'SILENT' }
        : completeAll(ctx),
    );
    const taskQueue = `update-lost-${randomUUID()}`;
    const bundle = await bundleWorkflows();
    let native = await NativeConnection.connect({ address: temporal.address });
    const newWorker = (conn: NativeConnection) =>
      Worker.create({
        connection: conn,
        taskQueue,
        workflowBundle: bundle,
        activities: createActivities({
          pool,
          n8n: { webhookUrl: standIn.url, callbackUrl: 'http://127.0.0.1:9/unused' },
        }),
      });
    let worker = await newWorker(native);
    let running = worker.run();

    const [org] = await db.insert(clients).values({ name: 'Update lost' }).returning();
    const [row] = await db
      .insert(workflows)
      .values({ workflowType: 'MUNICIPAL_LIEN_SEARCH', clientId: org!.id, title: 'Update lost' })
      .returning();
    // Time 360 times faster: the research step's outcome deadline (30 min) is 5 s.
    const { workflowId } = await startBusinessWorkflow({ db, client, taskQueue }, row!.id, {
      timeScale: 1 / 360,
    });
    const research = await eventually('research_municipality dispatched', async () => {
      const [task] = await db
        .select()
        .from(taskExecutions)
        .where(eq(taskExecutions.workflowId, row!.id))
        .orderBy(asc(taskExecutions.stepIndex));
      return task?.status === 'RUNNING' &&
        standIn.dispatches.some((d) => d.taskExecutionId === task.id)
        ? task
        : undefined;
    });

    // The write that records the outcome will wait on this lock: the task accepting the
    // Update stays open (a local activity) or its write waits (a normal activity).
    const lock = await pool.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM task_executions WHERE id = $1 FOR UPDATE', [research.id]);
    const update = client.workflow
      .getHandle<typeof businessWorkflow>(workflowId)
      .executeUpdate(taskOutcomeUpdate, {
        args: [
          {
            taskExecutionId: research.id,
            attempt: 1,
            status: 'COMPLETED',
            output: realisticOutput('research_municipality'),
          },
        ],
      })
      .catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 1_500));

    progress('killing Temporal while the outcome is being written');
    process.kill(-temporal.process.pid, 'SIGKILL');
    await temporal.process.exited;
    await lock.query('COMMIT');
    lock.release();
    await update;
    worker.shutdown();
    await running.catch(() => undefined);
    await native.close().catch(() => undefined);

    progress('Temporal again, on its file; the outcome is not sent again');
    temporal = await startTemporalDevServer({
      port: temporalPort,
      dbFile: path.join(data.dir, 'temporal.db'),
      namespace: 'default',
    });
    native = await NativeConnection.connect({ address: temporal.address });
    worker = await newWorker(native);
    running = worker.run();
    const fresh = await Connection.connect({ address: temporal.address });
    const result = await new Client({ connection: fresh }).workflow
      .getHandle<typeof businessWorkflow>(workflowId)
      .result();
    expect(result.status).toBe('COMPLETED');
    worker.shutdown();
    await running;
    await fresh.close();
    await connection.close();
    await native.close();
    await standIn.close();

    // Whichever path the workflow took (the outcome accepted before the kill, or lost and the
    // attempt retried at its deadline), every row belongs to it: one COMPLETED attempt per
    // step, and no transition audited twice.
    const tasks = await db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.workflowId, row!.id))
      .orderBy(asc(taskExecutions.stepIndex), asc(taskExecutions.attempt));
    const completedPerStep = [0, 1, 2, 3, 4].map(
      (i) => tasks.filter((t) => t.stepIndex === i && t.status === 'COMPLETED').length,
    );
    expect(completedPerStep).toEqual([1, 1, 1, 1, 1]);
    const events = await db.select().from(auditEvents).where(eq(auditEvents.workflowId, row!.id));
    const seen = new Map<string, number>();
    for (const e of events) {
      const key = `${e.action} ${e.resourceId} ${String((e.eventData as { level?: string }).level)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  });
});
