import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskExecutions } from '../../db/schema/index.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { createHarness, LIEN_SEARCH_ROWS, rowCounts, type Harness } from '../helpers/business.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { completeAll } from '../helpers/n8n-stand-in.js';
import { bundleWorkflows } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

let t: TestDatabase;
let h: Harness;
let release: (() => void) | undefined;
let holdNext = true;

const startWorker = () =>
  startWorkerProcess({ databaseUrl: t.url, taskQueue: h.taskQueue, n8nWebhookUrl: h.standIn.url });

beforeAll(async () => {
  t = await createTestDatabase();
  h = await createHarness(t, await bundleWorkflows(), {
    // The first portal_access dispatch hangs until the test lets go: the worker dies meanwhile.
    script: async (ctx) => {
      if (ctx.dispatch.taskType === 'portal_access' && holdNext) {
        holdNext = false;
        await new Promise<void>((r) => (release = r));
      }
      return completeAll(ctx);
    },
  });
});
afterAll(async () => {
  release?.();
  await h.close();
  await t.drop();
});

describe('a worker killed mid-step', () => {
  it(
    'is replaced, the step is redone from history, and no row is written twice',
    { timeout: 120_000 },
    async () => {
      let worker = await startWorker();
      const { rowId, workflowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
      await eventually('portal_access in flight', () => release !== undefined);
      const before = await rowCounts(t, rowId);

      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      release!(); // the held dispatch answers now; whichever worker is up takes the outcome
      worker = await startWorker();
      try {
        const result = await h.client.workflow
          .getHandle<typeof businessWorkflow>(workflowId)
          .result();
        expect(result.status).toBe('COMPLETED');
      } finally {
        worker.kill('SIGTERM');
      }

      const tasks = await t.db
        .select()
        .from(taskExecutions)
        .where(eq(taskExecutions.workflowId, rowId));
      expect(tasks.map((x) => [x.taskType, x.attempt, x.status]).sort()).toEqual(
        [
          ['generate_invoice', 1, 'COMPLETED'],
          ['portal_access', 1, 'COMPLETED'],
          ['process_documents', 1, 'COMPLETED'],
          ['quality_validation', 1, 'COMPLETED'],
          ['research_municipality', 1, 'COMPLETED'],
        ].sort(),
      );
      expect(before.task_executions).toBe(5);
      // The outcome of the dispatch the dead worker had in flight ended the wait for it; if the
      // activity is retried after its timeout, it carries the same key (n8n calls no agent twice).
      const portal = h.standIn.dispatches.filter(
        (d) => d.workflowId === rowId && d.taskType === 'portal_access',
      );
      expect(new Set(portal.map((d) => d.idempotencyKey)).size).toBe(1);
      // Exactly the rows of an undisturbed run (see happy-paths.test.ts).
      expect(await rowCounts(t, rowId)).toEqual(LIEN_SEARCH_ROWS);
    },
  );
});
