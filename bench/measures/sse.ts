// Live progress: from a change's transaction in Postgres to the server-sent event through the
// API (LISTEN/NOTIFY), over PAYOFF runs with the instant stand-in.
import { randomUUID } from 'node:crypto';
import { workflows } from '../../db/schema/index.js';
import { mintToken } from '../../src/api/auth/jwt.js';
import { startApi } from '../../src/api/server.js';
import { getFreePort } from '../../src/dev/ports.js';
import {
  newWorkflowIdentity,
  startBusinessWorkflow,
} from '../../src/clients/business-workflows.js';
import {
  completeAll,
  counterpartyAnswers,
  startN8nStandIn,
} from '../../test/helpers/n8n-stand-in.js';
import { poolAs, type Stack } from '../stack.js';
import { summarize, type Summary } from '../stats.js';

const JWT_SECRET = 'bench-'.padEnd(40, 'x');

export async function measureSse(stack: Stack, opts: { runs: number }): Promise<Summary> {
  const bdb = await stack.newDatabase('bench_sse');
  const workerPool = poolAs(bdb, 'worker');
  const standIn = await startN8nStandIn(stack.client, async (ctx) => {
    await counterpartyAnswers(ctx);
    return completeAll(ctx);
  });
  const taskQueue = `bench-sse-${randomUUID()}`;
  const api = await startApi({
    databaseUrl: bdb.url,
    temporalAddress: stack.temporal.address,
    namespace: 'default',
    taskQueue,
    port: await getFreePort(),
    host: '127.0.0.1',
    jwtSecret: JWT_SECRET,
    n8nHmacSecret: 'bench-'.padEnd(40, 'y'),
    hmacToleranceSeconds: 300,
    updateTimeoutMs: 5000,
  });
  const hil = randomUUID();
  await bdb.pool.query(`INSERT INTO auth.users (id) VALUES ($1)`, [hil]);
  await bdb.pool.query(
    `INSERT INTO user_profiles (id, email, user_type, role) VALUES ($1, 'bench@rexera.example', 'HIL', 'HIL_STAFF')`,
    [hil],
  );
  const token = await mintToken(JWT_SECRET, { sub: hil });
  const worker = await stack.projectWorker(taskQueue, workerPool, {
    webhookUrl: standIn.url,
    callbackUrl: 'http://127.0.0.1:9/api/task-outcomes',
  });
  const pushes: number[] = [];
  try {
    await worker.runUntil(async () => {
      for (let i = 0; i < opts.runs; i++) {
        const [row] = await bdb.db
          .insert(workflows)
          .values({
            ...newWorkflowIdentity('PAYOFF'),
            workflowType: 'PAYOFF',
            clientId: bdb.orgId,
            title: `SSE ${i}`,
          })
          .returning();
        const address = api.server.address() as { port: number };
        const res = await fetch(
          `http://127.0.0.1:${address.port}/api/workflows/${row!.id}/events?access_token=${token}`,
        );
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await startBusinessWorkflow({ db: bdb.db, client: stack.client, taskQueue }, row!.id);
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
  } finally {
    await api.close();
    await standIn.close();
    await workerPool.end();
    await bdb.close();
  }
  return summarize(pushes);
}
