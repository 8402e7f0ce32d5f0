import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverTaskOutcome } from '../../src/clients/business-workflows.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { createHarness, LIEN_SEARCH_ROWS, rowCounts, type Harness } from '../helpers/business.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { completeAll, realisticOutput, type Dispatch } from '../helpers/n8n-stand-in.js';
import { bundleWorkflows } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

// A worker told to stop (SIGTERM, as a deploy or `npm start`'s Ctrl-C does) while it has an
// activity under way: it polls for nothing new, lets the activity finish, then exits 0. The
// dispatch is not made twice, and the next worker carries the workflow on.

let t: TestDatabase;
let h: Harness;
let release: (() => void) | undefined;
let held: Dispatch | undefined;
/** Lets go of the dispatch the second test never answers (so that the stand-in can close). */
let unblock: (() => void) | undefined;

const startWorker = (env: NodeJS.ProcessEnv = {}) =>
  startWorkerProcess({
    databaseUrl: t.url,
    taskQueue: h.taskQueue,
    n8nWebhookUrl: h.standIn.url,
    env,
  });

beforeAll(async () => {
  t = await createTestDatabase();
  h = await createHarness(t, await bundleWorkflows(), {
    // The portal_access dispatch is held until the test lets go; n8n then acknowledges it and
    // reports the outcome later (the test delivers it, once a worker is there to take it).
    script: async (ctx) => {
      if (ctx.dispatch.taskType === 'portal_access') {
        held = ctx.dispatch;
        await new Promise<void>((r) => (release = r));
        return { status: 'SILENT' };
      }
      return completeAll(ctx);
    },
  });
});
afterAll(async () => {
  release?.();
  unblock?.();
  await h.close();
  await t.drop();
});

describe('a worker stopped (SIGTERM) mid-step', () => {
  it(
    'finishes the activity under way, exits 0, and the next worker carries the workflow on',
    { timeout: 120_000 },
    async () => {
      const draining = await startWorker();
      const exited = new Promise<number | null>((r) => draining.once('exit', (code) => r(code)));
      const { rowId, workflowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
      await eventually('portal_access in flight', () => release !== undefined);

      draining.kill('SIGTERM');
      // It waits for the dispatch under way instead of dropping it.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(draining.exitCode).toBeNull();
      release!();
      expect(await exited).toBe(0);

      const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
      const history = await handle.fetchHistory();
      const completedByIt = (history.events ?? []).some(
        (e) =>
          e.activityTaskStartedEventAttributes?.identity?.startsWith(`${draining.pid}@`) &&
          (history.events ?? []).some(
            (c) =>
              c.activityTaskCompletedEventAttributes?.startedEventId?.toString() ===
              e.eventId?.toString(),
          ),
      );
      expect(completedByIt).toBe(true);

      const next = await startWorker();
      try {
        const answer = await deliverTaskOutcome(h.client, workflowId, {
          taskExecutionId: held!.taskExecutionId,
          attempt: held!.attempt,
          status: 'COMPLETED',
          output: realisticOutput('portal_access'),
        });
        expect(answer).toMatchObject({ result: 'applied' });
        expect((await handle.result()).status).toBe('COMPLETED');
      } finally {
        next.kill('SIGTERM');
      }
      // One dispatch of the held step: the activity was not retried on the next worker.
      const portal = h.standIn.dispatches.filter(
        (d) => d.workflowId === rowId && d.taskType === 'portal_access',
      );
      expect(portal).toHaveLength(1);
      expect(await rowCounts(t, rowId)).toEqual(LIEN_SEARCH_ROWS);
    },
  );

  it(
    'past its grace time, hands the activity under way back: it is retried on the next worker with the same key',
    { timeout: 120_000 },
    async () => {
      const draining = await startWorker({ WORKER_SHUTDOWN_GRACE_MS: '500' });
      const exited = new Promise<number | null>((r) => draining.once('exit', (code) => r(code)));
      const { rowId, workflowId } = await h.start('MUNICIPAL_LIEN_SEARCH');
      let first: Dispatch | undefined;
      // The first portal_access dispatch is never answered while the worker stops.
      h.scriptFor(rowId, async (ctx) => {
        if (ctx.dispatch.taskType === 'portal_access' && ctx.count === 1) {
          first = ctx.dispatch;
          await new Promise<void>((r) => (unblock = r));
          return { status: 'SILENT' };
        }
        return completeAll(ctx);
      });
      await eventually('portal_access in flight', () => first !== undefined);

      draining.kill('SIGTERM');
      // It does not wait for n8n: the call is given up and the process ends.
      expect(await exited).toBe(0);

      const next = await startWorker();
      try {
        const handle = h.client.workflow.getHandle<typeof businessWorkflow>(workflowId);
        expect((await handle.result()).status).toBe('COMPLETED');
      } finally {
        next.kill('SIGTERM');
      }
      // The attempt was handed back: dispatched again by the next worker, under the same key
      // (n8n calls the agent once), and the rows are those of an undisturbed run.
      const portal = h.standIn.dispatches.filter(
        (d) => d.workflowId === rowId && d.taskType === 'portal_access',
      );
      expect(portal).toHaveLength(2);
      expect(new Set(portal.map((d) => d.idempotencyKey)).size).toBe(1);
      expect(await rowCounts(t, rowId)).toEqual(LIEN_SEARCH_ROWS);
    },
  );
});
