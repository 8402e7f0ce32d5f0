import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { slaTracking } from '../../db/schema/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { getFreePort } from '../../src/dev/ports.js';
import { createHarness, type Harness } from '../helpers/business.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { completeAll } from '../helpers/n8n-stand-in.js';
import { bundleWorkflows } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

// The real worker entrypoint (src/worker.ts) with WORKER_METRICS_PORT: the SDK's metrics and
// ours on one Prometheus endpoint, among them how late each SLA level was written.

let t: TestDatabase;
let h: Harness;
let worker: ChildProcess | undefined;
let metricsUrl: string;

beforeAll(async () => {
  t = await createTestDatabase();
  // research_municipality never answers: its SLA ladder runs (the attempts are lost and
  // retried meanwhile, and the step escalates).
  h = await createHarness(t, await bundleWorkflows(), {
    script: (ctx) =>
      ctx.dispatch.taskType === 'research_municipality' ? { status: 'SILENT' } : completeAll(ctx),
  });
  const port = await getFreePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/worker.ts')],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: t.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: h.taskQueue,
        N8N_WEBHOOK_URL: h.standIn.url,
        WORKER_METRICS_PORT: String(port),
        WORKER_MAX_CACHED_WORKFLOWS: '50',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  worker = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('polling task queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
  }
  await h?.close();
  await t?.drop();
});

describe('the worker process', () => {
  it('serves Prometheus metrics with the lateness of each SLA level it wrote', async () => {
    // 8 h of SLA in 8 s: YELLOW at 4.8 s.
    const { rowId, workflowId } = await h.start('MUNICIPAL_LIEN_SEARCH', { timeScale: 1 / 3600 });
    const sla = await eventually(
      'YELLOW written',
      async () => {
        const [row] = await t.db
          .select()
          .from(slaTracking)
          .where(eq(slaTracking.workflowId, rowId));
        return row?.yellowRecordedAt ? row : undefined;
      },
      30_000,
    );
    // The level carries its threshold instant and the moment it was really written.
    const lateness = sla.yellowRecordedAt!.getTime() - sla.yellowAt!.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(sla.yellowAt!.getTime() - sla.startedAt.getTime()).toBe(Math.round(0.6 * 8000));

    const text = await eventually('the lateness histogram', async () => {
      const body = await (await fetch(metricsUrl)).text();
      return /rexera_sla_alert_lateness\w*_count\{[^}]*level="YELLOW"[^}]*\} [1-9]/.test(body)
        ? body
        : undefined;
    });
    // The SDK's own metrics come on the same endpoint (e.g. the workflow cache, bounded by
    // WORKER_MAX_CACHED_WORKFLOWS).
    expect(text).toMatch(/temporal_sticky_cache_size|temporal_workflow_task/);
    await h.client.workflow.getHandle(workflowId).cancel();
  });
});
