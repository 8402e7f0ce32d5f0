// A workflow start to its result, one at a time: the smoke workflow (no activity, no database).
import { randomUUID } from 'node:crypto';
import { smokeWorkflow } from '../../workflows/index.js';
import type { Stack } from '../stack.js';
import { summarize, type Summary } from '../stats.js';

export async function measureSmoke(stack: Stack, opts: { runs: number }): Promise<Summary> {
  const bdb = await stack.newDatabase('bench_smoke');
  const taskQueue = `bench-smoke-${randomUUID()}`;
  // The smoke workflow dispatches nothing.
  const worker = await stack.projectWorker(taskQueue, bdb.pool, {
    webhookUrl: 'http://127.0.0.1:9/',
    callbackUrl: 'http://127.0.0.1:9/',
  });
  const samples: number[] = [];
  try {
    await worker.runUntil(async () => {
      for (let i = 0; i < opts.runs; i++) {
        const t0 = performance.now();
        await stack.client.workflow.execute(smokeWorkflow, {
          taskQueue,
          workflowId: `bench-smoke-${randomUUID()}`,
          args: [{}],
        });
        samples.push(performance.now() - t0);
      }
    });
  } finally {
    await bdb.close();
  }
  return summarize(samples);
}
