// Through real n8n (when installed): an agent step from RUNNING to COMPLETED in the database,
// with agents that answer at once (MUNICIPAL_LIEN_SEARCH runs, one at a time).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { workflows } from '../../db/schema/index.js';
import { createAgentSimulator } from '../../src/dev/agents/simulator.js';
import { startApi } from '../../src/api/server.js';
import { N8N_BIN, startN8n } from '../../src/dev/n8n.js';
import { getFreePort } from '../../src/dev/ports.js';
import {
  newWorkflowIdentity,
  startBusinessWorkflow,
} from '../../src/clients/business-workflows.js';
import { timed } from '../progress.js';
import { result } from '../runs.js';
import { poolAs, type Stack } from '../stack.js';
import { summarize, type Summary } from '../stats.js';

export interface N8nResult {
  startMs: number;
  agentStepMs: Summary;
}

export async function measureN8n(
  stack: Stack,
  opts: { runs: number },
): Promise<N8nResult | 'not installed'> {
  if (!fs.existsSync(N8N_BIN)) return 'not installed';
  const bdb = await stack.newDatabase('bench_n8n');
  const workerPool = poolAs(bdb, 'worker');
  const sim = createAgentSimulator({ delayMs: 0 });
  const simPort = await getFreePort();
  await sim.listen(simPort);
  const hmacSecret = 'bench-'.padEnd(40, 'y');
  const apiPort = await getFreePort();
  const taskQueue = `bench-n8n-${randomUUID()}`;
  const [n8n, startMs] = await timed('n8n start (import, activate, webhook live)', async () =>
    startN8n({
      port: await getFreePort(),
      userFolder: path.join(stack.root, 'n8n'),
      encryptionKey: 'bench-'.padEnd(40, 'z'),
      agentUrl: `http://127.0.0.1:${simPort}`,
      hmacSecret,
    }),
  );
  const api = await startApi({
    databaseUrl: bdb.url,
    temporalAddress: stack.temporal.address,
    namespace: 'default',
    taskQueue,
    port: apiPort,
    host: '127.0.0.1',
    jwtSecret: 'bench-'.padEnd(40, 'x'),
    n8nHmacSecret: hmacSecret,
    hmacToleranceSeconds: 300,
    updateTimeoutMs: 5000,
  });
  const worker = await stack.projectWorker(taskQueue, workerPool, {
    webhookUrl: n8n.webhookUrl,
    callbackUrl: `http://127.0.0.1:${apiPort}/api/task-outcomes`,
  });
  const ids: string[] = [];
  try {
    await worker.runUntil(async () => {
      for (let i = 0; i < opts.runs; i++) {
        const [row] = await bdb.db
          .insert(workflows)
          .values({
            ...newWorkflowIdentity('MUNICIPAL_LIEN_SEARCH'),
            workflowType: 'MUNICIPAL_LIEN_SEARCH',
            clientId: bdb.orgId,
            title: `n8n ${i}`,
          })
          .returning();
        ids.push(row!.id);
        const { workflowId } = await startBusinessWorkflow(
          { db: bdb.db, client: stack.client, taskQueue },
          row!.id,
        );
        await result(stack, workflowId);
      }
    });
    const { rows } = await bdb.pool.query<{ ms: number }>(
      `SELECT (extract(epoch FROM completed_at - started_at) * 1000)::float8 AS ms
         FROM task_executions WHERE workflow_id = ANY($1) AND executor_type = 'AI_AGENT'`,
      [ids],
    );
    return { startMs: Math.round(startMs), agentStepMs: summarize(rows.map((r) => r.ms)) };
  } finally {
    await api.close();
    await n8n.stop();
    await sim.close();
    await workerPool.end();
    await bdb.close();
  }
}
