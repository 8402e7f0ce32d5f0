import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { clients, workflows } from '../../db/schema/index.js';
import {
  newWorkflowIdentity,
  startBusinessWorkflow,
} from '../../src/clients/business-workflows.js';
import { TEMPORAL_TEST_SERVER } from '../../src/dev/tools.js';
import type { Priority, WorkflowType } from '../../workflows/definitions/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { bundleWorkflows, bundleWorkflowsForTimeSkipping } from './temporal.js';
import type { BusinessWorkflow } from '../../workflows/business/state.js';
import { completeAll, startN8nStandIn, type Script } from './n8n-stand-in.js';

export interface Harness {
  client: Client;
  /** Address of the Temporal server the harness runs on. */
  address: string;
  env?: TestWorkflowEnvironment;
  standIn: Awaited<ReturnType<typeof startN8nStandIn>>;
  taskQueue: string;
  /** The client every workflow of this harness belongs to. */
  clientId: string;
  /** A fresh worker on the harness's task queue (stop it with worker.shutdown()). */
  newWorker(): Promise<Worker>;
  /** Starts the harness's own worker (startHarness does it once). */
  startWorker(): Promise<void>;
  /** Stops the harness's own worker and waits until it has drained. */
  stopWorker(): Promise<void>;
  /**
   * Inserts a workflows row (as the API will) and starts its Temporal workflow. With a
   * script, the stand-in answers this workflow's dispatches by it (else by the harness's).
   */
  start(
    type: WorkflowType,
    opts?: {
      priority?: Priority;
      maxHistoryEvents?: number;
      timeScale?: number;
      script?: Script;
      /**
       * The definition version (default 2: wall-clock SLAs, whose thresholds do not depend on
       * the day the suite runs; version 3 counts working hours, test/workflows/calendars.test.ts).
       */
      version?: number;
    },
  ): Promise<{ rowId: string; workflowId: string; handle: WorkflowHandle<BusinessWorkflow> }>;
  /** The script for one workflow's dispatches (a row the test created otherwise, by the API). */
  scriptFor(rowId: string, script: Script): void;
  close(): Promise<void>;
}

/**
 * Real Temporal (the run's dev server, or the time-skipping test server), a real worker
 * with the real activities against the test database, and the scripted n8n stand-in.
 */
export async function createHarness(
  t: TestDatabase,
  bundle: WorkflowBundle,
  opts: {
    timeSkipping?: boolean;
    script?: Script;
    /** A real n8n instead of the scripted stand-in. */
    n8n?: { webhookUrl: string; callbackUrl: string };
  } = {},
): Promise<Harness> {
  const taskQueue = `biz-${randomUUID()}`;
  let env: TestWorkflowEnvironment | undefined;
  let client: Client;
  let nativeConnection: NativeConnection;
  let connection: Connection | undefined;
  if (opts.timeSkipping) {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER } },
    });
    client = env.client;
    nativeConnection = env.nativeConnection;
  } else {
    const address = inject('temporalAddress');
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    nativeConnection = await NativeConnection.connect({ address });
  }
  // Per workflow row, else the harness's script.
  const scripts = new Map<string, Script>();
  const base = opts.script ?? completeAll;
  const standIn = await startN8nStandIn(client, (ctx) =>
    (scripts.get(ctx.dispatch.workflowId) ?? base)(ctx),
  );
  let running: { worker: Worker; done: Promise<void> } | undefined;
  const [client_] = await t.db
    .insert(clients)
    .values({ name: `Client ${randomUUID()}` })
    .returning();

  const newWorker = () =>
    Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({
        pool: t.pool,
        // The scripted stand-in, unless the test runs a real n8n.
        n8n: opts.n8n ?? {
          webhookUrl: standIn.url,
          callbackUrl: 'http://127.0.0.1:3000/api/task-outcomes',
        },
      }),
    });
  const stopWorker = async () => {
    if (!running) return;
    running.worker.shutdown();
    await running.done;
    running = undefined;
  };

  return {
    client,
    address: env ? env.address : inject('temporalAddress'),
    env,
    standIn,
    taskQueue,
    clientId: client_!.id,
    newWorker,
    async startWorker() {
      const worker = await newWorker();
      running = { worker, done: worker.run() };
    },
    stopWorker,
    scriptFor: (rowId, script) => void scripts.set(rowId, script),
    async start(type, startOpts = {}) {
      const [row] = await t.db
        .insert(workflows)
        .values({
          // As the API writes a row: its Temporal workflow ID with it.
          ...newWorkflowIdentity(type),
          workflowType: type,
          clientId: client_!.id,
          title: `${type} for 12 Elm St`,
          priority: startOpts.priority ?? 'NORMAL',
          metadata: { propertyAddress: '12 Elm St, Springfield', loanNumber: 'LN-1' },
        })
        .returning();
      if (startOpts.script) scripts.set(row!.id, startOpts.script);
      const { workflowId } = await startBusinessWorkflow({ db: t.db, client, taskQueue }, row!.id, {
        maxHistoryEvents: startOpts.maxHistoryEvents,
        timeScale: startOpts.timeScale,
        definitionVersion: startOpts.version ?? 2,
      });
      return {
        rowId: row!.id,
        workflowId,
        handle: client.workflow.getHandle<BusinessWorkflow>(workflowId),
      };
    },
    async close() {
      await stopWorker();
      await standIn.close();
      if (env) await env.teardown();
      else {
        await connection?.close();
        await nativeConnection.close();
      }
    },
  };
}

/**
 * A test database, the workflow bundle (for the time-skipping server if asked), a harness
 * and its running worker: what a workflow test file needs in its beforeAll.
 */
export async function startHarness(
  opts: { timeSkipping?: boolean; script?: Script } = {},
): Promise<{ t: TestDatabase; h: Harness }> {
  const [t, bundle] = await Promise.all([
    createTestDatabase(),
    opts.timeSkipping ? bundleWorkflowsForTimeSkipping() : bundleWorkflows(),
  ]);
  const h = await createHarness(t, bundle, opts);
  await h.startWorker();
  return { t, h };
}

export async function stopHarness(t: TestDatabase | undefined, h: Harness | undefined) {
  await h?.close();
  await t?.drop();
}

/** The rows of an undisturbed MUNICIPAL_LIEN_SEARCH run (five agent steps, an invoice of two lines). */
export const LIEN_SEARCH_ROWS = {
  task_executions: 5,
  sla_tracking: 5,
  escalations: 0,
  communications: 0,
  documents: 0,
  audit_events: 13,
  invoices: 1,
  cost_items: 2,
} as const;

/** Row counts of every business table for one workflow. */
export async function rowCounts(t: TestDatabase, rowId: string): Promise<Record<string, number>> {
  const tables = [
    'task_executions',
    'sla_tracking',
    'escalations',
    'communications',
    'documents',
    'audit_events',
    'invoices',
    'cost_items',
  ];
  const out: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} WHERE workflow_id = $1`,
      [rowId],
    );
    out[table] = Number(rows[0]!.n);
  }
  return out;
}

export async function workflowRow(t: TestDatabase, rowId: string) {
  const [row] = await t.db.select().from(workflows).where(eq(workflows.id, rowId));
  return row!;
}
